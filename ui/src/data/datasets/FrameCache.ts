/**
 * Decoded camera frames of the episode being replayed, fetched by index and
 * kept (least recently used out) so scrubbing back and forth does not fetch
 * again. A few requests per camera at a time; a frame asked for while its
 * camera is busy is simply asked for again on a later animation frame
 * (backpressure, never a queue).
 */
export interface FrameSource {
  /** The recorded JPEG of one frame. */
  frame(camera: string, index: number, signal: AbortSignal): Promise<Blob>;
}

type Entry = { state: 'loading' } | { state: 'ready'; bitmap: ImageBitmap } | { state: 'failed' };

export class FrameCache {
  readonly #source: FrameSource;
  readonly #capacity: number;
  readonly #maxInFlight: number;
  readonly #entries = new Map<string, Entry>();
  readonly #inFlight = new Map<string, number>();
  readonly #abort = new AbortController();
  #closed = false;
  /** Frames decoded so far (for tests and the page's data attributes). */
  loaded = 0;

  constructor(opts: { source: FrameSource; capacity?: number; maxInFlight?: number }) {
    this.#source = opts.source;
    this.#capacity = opts.capacity ?? 240;
    this.#maxInFlight = opts.maxInFlight ?? 4;
  }

  /** The frame if decoded; otherwise starts fetching it (if the camera has room) and returns undefined. */
  get(camera: string, index: number): ImageBitmap | undefined {
    const key = `${camera}/${index}`;
    const entry = this.#entries.get(key);
    if (entry?.state === 'ready') {
      // Refresh its place in the LRU order.
      this.#entries.delete(key);
      this.#entries.set(key, entry);
      return entry.bitmap;
    }
    if (!entry) this.#fetch(camera, index, key);
    return undefined;
  }

  /** Starts fetching frames ahead of the playhead while there is room. */
  prefetch(camera: string, from: number, count: number, last: number): void {
    for (let i = from; i <= Math.min(last, from + count - 1); i++) {
      if ((this.#inFlight.get(camera) ?? 0) >= this.#maxInFlight) return;
      const key = `${camera}/${i}`;
      if (!this.#entries.has(key)) this.#fetch(camera, i, key);
    }
  }

  failed(camera: string, index: number): boolean {
    return this.#entries.get(`${camera}/${index}`)?.state === 'failed';
  }

  #fetch(camera: string, index: number, key: string): void {
    const busy = this.#inFlight.get(camera) ?? 0;
    if (this.#closed || busy >= this.#maxInFlight) return;
    this.#inFlight.set(camera, busy + 1);
    this.#entries.set(key, { state: 'loading' });
    this.#source
      .frame(camera, index, this.#abort.signal)
      .then((blob) => createImageBitmap(blob))
      .then((bitmap) => {
        if (this.#closed) return bitmap.close();
        this.#entries.set(key, { state: 'ready', bitmap });
        this.loaded++;
        this.#evict();
      })
      .catch(() => {
        if (!this.#closed) this.#entries.set(key, { state: 'failed' });
      })
      .finally(() => {
        this.#inFlight.set(camera, (this.#inFlight.get(camera) ?? 1) - 1);
      });
  }

  #evict(): void {
    for (const [key, entry] of this.#entries) {
      if (this.#entries.size <= this.#capacity) return;
      if (entry.state !== 'ready') continue;
      entry.bitmap.close();
      this.#entries.delete(key);
    }
  }

  close(): void {
    this.#closed = true;
    this.#abort.abort();
    for (const entry of this.#entries.values()) if (entry.state === 'ready') entry.bitmap.close();
    this.#entries.clear();
  }
}
