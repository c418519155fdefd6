import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { encodeJpeg } from './encodeJpeg.ts';

/** A smooth test card: horizontal and vertical ramps with a bright square. */
function testCard(width: number, height: number): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = 3 * (y * width + x);
      const inSquare = x > width / 3 && x < width / 2 && y > height / 3 && y < height / 2;
      rgb[o] = inSquare ? 230 : Math.round((255 * x) / width);
      rgb[o + 1] = inSquare ? 40 : Math.round((255 * y) / height);
      rgb[o + 2] = inSquare ? 30 : 90;
    }
  }
  return rgb;
}

describe('encodeJpeg', () => {
  it('produces a JPEG that decodes to the same size and close to the same pixels', () => {
    for (const [width, height] of [[160, 120], [320, 240], [13, 7]]) {
      const rgb = testCard(width, height);
      const file = encodeJpeg(rgb, width, height, 85);
      expect([file[0], file[1]]).toEqual([0xff, 0xd8]); // SOI marker
      // Owns its whole buffer, so it can be transferred between threads.
      expect(file.byteOffset).toBe(0);
      expect(file.buffer.byteLength).toBe(file.length);
      const decoded = jpeg.decode(file, { useTArray: true, formatAsRGBA: false });
      expect([decoded.width, decoded.height]).toEqual([width, height]);
      let err = 0;
      for (let i = 0; i < rgb.length; i++) err += Math.abs(decoded.data[i] - rgb[i]);
      expect(err / rgb.length).toBeLessThan(6);
    }
  });

  it('gives the same bytes on repeated calls and smaller files at lower quality', () => {
    const rgb = testCard(160, 120);
    const a = encodeJpeg(rgb, 160, 120, 80);
    expect(Buffer.compare(a, encodeJpeg(rgb, 160, 120, 80))).toBe(0);
    expect(encodeJpeg(rgb, 160, 120, 20).length).toBeLessThan(a.length);
  });

  it('rejects a buffer that does not match the size', () => {
    expect(() => encodeJpeg(new Uint8Array(100), 160, 120)).toThrow(/expected 57600 RGB bytes for 160x120, found 100/);
    expect(() => encodeJpeg(new Uint8Array(12), 2, 2, 0)).toThrow(/quality in 1\.\.100/);
  });
});
