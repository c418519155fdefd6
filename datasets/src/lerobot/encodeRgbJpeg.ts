import jpeg from 'jpeg-js';

/** One packed-RGB frame (at `offset` in `rgb`) as a JPEG. */
export function encodeRgbJpeg(rgb: Uint8Array, offset: number, width: number, height: number, quality: number): Uint8Array {
  if (rgb.byteLength < offset + width * height * 3) {
    throw new Error(`Expected a ${width}x${height} RGB frame at byte ${offset}, found only ${rgb.byteLength - offset} bytes (video shorter than its episodes?)`);
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0, s = offset; p < rgba.length; p += 4, s += 3) {
    rgba[p] = rgb[s]!;
    rgba[p + 1] = rgb[s + 1]!;
    rgba[p + 2] = rgb[s + 2]!;
    rgba[p + 3] = 255;
  }
  return new Uint8Array(jpeg.encode({ data: rgba, width, height }, quality).data);
}
