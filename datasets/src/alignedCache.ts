import type { AlignedCamera, AlignedEpisode, AlignedFeature } from './AlignedReader.ts';

/**
 * Where aligned episodes are kept between epochs, keyed by episode, file
 * fingerprint and alignment options (see AlignedReader). Values are the
 * binary form of `encodeAligned`.
 */
export interface AlignedCache {
  get(key: string): Promise<Uint8Array | undefined>;
  set(key: string, value: Uint8Array): Promise<void>;
}

/** In-memory LRU bounded by bytes. */
export class MemoryAlignedCache implements AlignedCache {
  #entries = new Map<string, Uint8Array>();
  #bytes = 0;
  readonly maxBytes: number;

  /** `maxBytes` default 1 GiB. */
  constructor(options: { maxBytes?: number } = {}) {
    this.maxBytes = options.maxBytes ?? 1024 ** 3;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const value = this.#entries.get(key);
    if (value) {
      this.#entries.delete(key);
      this.#entries.set(key, value);
    }
    return value;
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    const old = this.#entries.get(key);
    if (old) this.#bytes -= old.byteLength;
    this.#entries.delete(key);
    if (value.byteLength > this.maxBytes) return;
    this.#entries.set(key, value);
    this.#bytes += value.byteLength;
    for (const [k, v] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#entries.delete(k);
      this.#bytes -= v.byteLength;
    }
  }
}

// Binary layout, little endian:
//   "CKAL" | u32 version | u32 headerLength | header JSON (UTF-8) | pad to 8 |
//   arrays, each 8-byte aligned, at the offsets the header lists.
// Arrays are returned as views into the one buffer: no copy on load.
const MAGIC = 0x4c414b43; // "CKAL"
const VERSION = 1;

type ArrayRef = { offset: number; length: number };
type Header = {
  rate: number;
  length: number;
  timestamps: ArrayRef;
  features: Record<string, { names: string[]; dim: number; data: ArrayRef; valid: ArrayRef }>;
  cameras: Record<
    string,
    { width: number; height: number; channels: number; data: ArrayRef; valid: ArrayRef; stamps: ArrayRef }
  >;
};

const align8 = (n: number): number => (n + 7) & ~7;

export function encodeAligned(episode: AlignedEpisode): Uint8Array {
  const arrays: ArrayBufferView[] = [];
  let cursor = 0;
  const place = (array: ArrayBufferView): ArrayRef => {
    arrays.push(array);
    const ref = { offset: cursor, length: array.byteLength };
    cursor = align8(cursor + array.byteLength);
    return ref;
  };
  const header: Header = {
    rate: episode.rate,
    length: episode.length,
    timestamps: place(episode.timestamps),
    features: {},
    cameras: {},
  };
  for (const [name, f] of Object.entries(episode.features)) {
    header.features[name] = { names: f.names, dim: f.dim, data: place(f.data), valid: place(f.valid) };
  }
  for (const [name, c] of Object.entries(episode.cameras)) {
    header.cameras[name] = {
      width: c.width,
      height: c.height,
      channels: c.channels,
      data: place(c.data),
      valid: place(c.valid),
      stamps: place(c.stamps),
    };
  }
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const base = align8(12 + headerBytes.byteLength);
  const out = new Uint8Array(base + cursor);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, headerBytes.byteLength, true);
  out.set(headerBytes, 12);
  let offset = base;
  for (const array of arrays) {
    out.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), offset);
    offset = align8(offset + array.byteLength);
  }
  return out;
}

export function decodeAligned(bytes: Uint8Array): AlignedEpisode {
  // Typed-array views need an aligned offset; copy if the buffer is not.
  const buf = bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.getUint32(0, true) !== MAGIC || view.getUint32(4, true) !== VERSION) {
    throw new Error(
      `Not an aligned-episode cache (version ${VERSION}): found magic 0x${view.getUint32(0, true).toString(16)} ` +
        `version ${view.getUint32(4, true)}. Delete the cache file; it is rebuilt on the next read.`,
    );
  }
  const headerLength = view.getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(buf.subarray(12, 12 + headerLength))) as Header;
  const base = buf.byteOffset + align8(12 + headerLength);
  const f64 = (r: ArrayRef) => new Float64Array(buf.buffer, base + r.offset, r.length / 8);
  const f32 = (r: ArrayRef) => new Float32Array(buf.buffer, base + r.offset, r.length / 4);
  const u8 = (r: ArrayRef) => new Uint8Array(buf.buffer, base + r.offset, r.length);
  const features: Record<string, AlignedFeature> = {};
  for (const [name, f] of Object.entries(header.features)) {
    features[name] = { names: f.names, dim: f.dim, data: f32(f.data), valid: u8(f.valid) };
  }
  const cameras: Record<string, AlignedCamera> = {};
  for (const [name, c] of Object.entries(header.cameras)) {
    cameras[name] = {
      width: c.width,
      height: c.height,
      channels: 3,
      data: u8(c.data),
      valid: u8(c.valid),
      stamps: f64(c.stamps),
    };
  }
  return { rate: header.rate, length: header.length, timestamps: f64(header.timestamps), features, cameras };
}
