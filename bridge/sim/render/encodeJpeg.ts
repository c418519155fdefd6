import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import jpeg from 'jpeg-js';

/** The encoder object inside jpeg-js (Adobe's as3corelib port). */
interface JpegJsEncoder {
  encode(image: { data: Uint8Array; width: number; height: number }, quality: number): Uint8Array;
}

let reusable: JpegJsEncoder | null | undefined;

/**
 * jpeg-js's exported `encode()` builds a fresh encoder per call, and that
 * constructor fills 65 535-entry Huffman lookup arrays: ~16 ms of a ~19 ms
 * encode at 160x120 (measured). The encoder object itself is reusable (each
 * `encode` resets its output and `setQuality` is a no-op when unchanged), but
 * the package does not export its constructor. So we evaluate the package's
 * own encoder source once and keep one instance. If that ever fails (a jpeg-js
 * release that moves the file), fall back to the slow public `encode`.
 */
function reusableEncoder(): JpegJsEncoder | null {
  if (reusable !== undefined) return reusable;
  try {
    const require = createRequire(import.meta.url);
    const source = readFileSync(require.resolve('jpeg-js/lib/encoder.js'), 'utf8');
    const factory = new Function('module', 'Buffer', `${source}\n;return JPEGEncoder;`) as (
      module: object,
      buffer: typeof Buffer,
    ) => new (quality: number) => JpegJsEncoder;
    const JPEGEncoder = factory({}, Buffer);
    reusable = new JPEGEncoder(80);
  } catch {
    reusable = null;
  }
  return reusable;
}

/**
 * Encode a packed RGB image (row-major, 3 bytes per pixel, top row first) as a
 * baseline JPEG (4:4:4). `quality` is jpeg-js's 1..100 scale.
 *
 * jpeg-js reads 4 bytes per pixel, so the RGB is widened to RGBA first (alpha
 * is ignored by the encoder). The result is a fresh Uint8Array that owns its
 * whole ArrayBuffer: jpeg-js returns a Node Buffer, and small Buffers are
 * slices of a shared 8 KB pool, which must never be transferred to another
 * thread (transfer would detach the pool under unrelated Buffers).
 */
export function encodeJpeg(rgb: Uint8Array, width: number, height: number, quality = 80): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`encodeJpeg: expected positive integer width and height, found ${width}x${height}.`);
  }
  if (!(quality >= 1 && quality <= 100)) {
    throw new Error(`encodeJpeg: expected quality in 1..100, found ${quality}.`);
  }
  const pixels = width * height;
  if (rgb.length !== pixels * 3) {
    throw new Error(
      `encodeJpeg: expected ${pixels * 3} RGB bytes for ${width}x${height}, found ${rgb.length}; ` +
        'pass packed RGB (3 bytes per pixel, no row padding).',
    );
  }
  const rgba = new Uint8Array(pixels * 4);
  for (let p = 0, s = 0, d = 0; p < pixels; p++, s += 3, d += 4) {
    rgba[d] = rgb[s];
    rgba[d + 1] = rgb[s + 1];
    rgba[d + 2] = rgb[s + 2];
  }
  const image = { data: rgba, width, height };
  const encoder = reusableEncoder();
  const data = encoder ? encoder.encode(image, quality) : jpeg.encode(image, quality).data;
  return new Uint8Array(data);
}
