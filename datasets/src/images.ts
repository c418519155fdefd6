import jpeg from 'jpeg-js';

export type RgbImage = { width: number; height: number; data: Uint8Array };

/** Decodes a JPEG to packed RGB (3 bytes per pixel, row major). */
export function decodeJpegRgb(bytes: Uint8Array): RgbImage {
  const image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 256 });
  return { width: image.width, height: image.height, data: image.data };
}

/**
 * Resizes packed RGB by area averaging when shrinking (no aliasing: a 640→160
 * downscale averages 4×4 blocks) and bilinear sampling when enlarging. Writes
 * into `out` (width·height·3 bytes) so callers can fill a frame stack in place.
 */
export function resizeRgb(src: RgbImage, width: number, height: number, out: Uint8Array): void {
  if (src.width === width && src.height === height) {
    out.set(src.data.subarray(0, width * height * 3));
    return;
  }
  const sx = src.width / width;
  const sy = src.height / height;
  if (sx >= 1 && sy >= 1) {
    for (let y = 0; y < height; y++) {
      const y0 = Math.floor(y * sy);
      const y1 = Math.max(y0 + 1, Math.floor((y + 1) * sy));
      for (let x = 0; x < width; x++) {
        const x0 = Math.floor(x * sx);
        const x1 = Math.max(x0 + 1, Math.floor((x + 1) * sx));
        let r = 0;
        let g = 0;
        let b = 0;
        for (let yy = y0; yy < y1; yy++) {
          let o = (yy * src.width + x0) * 3;
          for (let xx = x0; xx < x1; xx++, o += 3) {
            r += src.data[o]!;
            g += src.data[o + 1]!;
            b += src.data[o + 2]!;
          }
        }
        const n = (y1 - y0) * (x1 - x0);
        const p = (y * width + x) * 3;
        out[p] = Math.round(r / n);
        out[p + 1] = Math.round(g / n);
        out[p + 2] = Math.round(b / n);
      }
    }
    return;
  }
  for (let y = 0; y < height; y++) {
    const fy = Math.min(src.height - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(src.height - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(src.width - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(src.width - 1, x0 + 1);
      const wx = fx - x0;
      for (let c = 0; c < 3; c++) {
        const a = src.data[(y0 * src.width + x0) * 3 + c]!;
        const b = src.data[(y0 * src.width + x1) * 3 + c]!;
        const d = src.data[(y1 * src.width + x0) * 3 + c]!;
        const e = src.data[(y1 * src.width + x1) * 3 + c]!;
        out[(y * width + x) * 3 + c] = Math.round((a * (1 - wx) + b * wx) * (1 - wy) + (d * (1 - wx) + e * wx) * wy);
      }
    }
  }
}
