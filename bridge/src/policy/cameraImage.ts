/**
 * A camera frame as a policy input: the cell's JPEG decoded and resized
 * (bilinear) to the bundle's H×W×3 RGB bytes. Done only for the latest frame
 * of each camera, at the policy's step, never per received frame.
 */
import jpeg from 'jpeg-js';

export function jpegToRgb(data: Uint8Array, height: number, width: number): Uint8Array {
  const img = jpeg.decode(data, { useTArray: true, formatAsRGBA: true });
  const out = new Uint8Array(height * width * 3);
  const sx = img.width / width;
  const sy = img.height / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(img.height - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(img.height - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(img.width - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(img.width - 1, x0 + 1);
      const wx = fx - x0;
      for (let c = 0; c < 3; c++) {
        const a = img.data[(y0 * img.width + x0) * 4 + c]!;
        const b = img.data[(y0 * img.width + x1) * 4 + c]!;
        const d = img.data[(y1 * img.width + x0) * 4 + c]!;
        const e = img.data[(y1 * img.width + x1) * 4 + c]!;
        out[(y * width + x) * 3 + c] = Math.round((a * (1 - wx) + b * wx) * (1 - wy) + (d * (1 - wx) + e * wx) * wy);
      }
    }
  }
  return out;
}
