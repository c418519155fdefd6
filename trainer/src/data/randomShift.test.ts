import { describe, expect, it } from 'vitest';
import { shiftedFrame, shiftedFrameJs, shiftedFrameWasm } from './randomShift.ts';
import { u8ToF32Kernel } from './u8ToF32Simd.ts';

/** The straightforward per-pixel formulation (the implementation before the row-wise and wasm ones). */
function referenceShift(
  frames: Uint8Array, frame: number, h: number, w: number,
  dx: number, dy: number, out: Float32Array, outOffset: number,
): void {
  const base = frame * h * w * 3;
  let o = outOffset;
  for (let i = 0; i < h; i++) {
    const si = Math.min(h - 1, Math.max(0, i + dy));
    for (let j = 0; j < w; j++) {
      const sj = Math.min(w - 1, Math.max(0, j + dx));
      const s = base + (si * w + sj) * 3;
      for (let c = 0; c < 3; c++) out[o++] = frames[s + c] / 255;
    }
  }
}

type ShiftFn = typeof shiftedFrame;
const kernel = u8ToF32Kernel();
const impls: [string, ShiftFn][] = [
  ['shiftedFrame', shiftedFrame],
  ['shiftedFrameJs', shiftedFrameJs],
];
if (kernel != null) {
  impls.push(['shiftedFrameWasm', (f, fr, h, w, dx, dy, out, off) => shiftedFrameWasm(kernel, f, fr, h, w, dx, dy, out, off)]);
}

/** Deterministic bytes covering all 256 values. */
function randomFrames(n: number, seed: number): Uint8Array {
  const a = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    a[i] = x >>> 24;
  }
  return a;
}

/** Index of the first element that differs bit for bit (NaN-free data), or −1. */
function firstMismatch(a: Float32Array, b: Float32Array): number {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  if (ua.length !== ub.length) return 0;
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return i;
  return -1;
}

describe('shiftedFrame matches the per-pixel reference bit for bit', () => {
  it('has the wasm SIMD kernel on this Node', () => {
    expect(kernel).not.toBeNull();
  });

  it('converts every byte value to exactly v / 255', () => {
    const img = new Uint8Array(16 * 16 * 3);
    for (let i = 0; i < img.length; i++) img[i] = i & 255;
    for (const [name, fn] of impls) {
      const out = new Float32Array(img.length);
      fn(img, 0, 16, 16, 0, 0, out, 0);
      for (let i = 0; i < img.length; i++) {
        if (out[i] !== Math.fround(img[i] / 255)) throw new Error(`${name}: byte ${img[i]} → ${out[i]}`);
      }
    }
  });

  const sizes: [number, number][] = [[1, 1], [1, 5], [3, 3], [2, 7], [5, 7], [8, 9], [13, 11], [16, 15], [24, 32], [96, 96]];
  for (const [h, w] of sizes) {
    it(`${h}×${w}: every shift in [−pad, pad]² for pads 0..5, at a frame and offset inside larger arrays`, () => {
      const nFrames = 3;
      const n = h * w * 3;
      const frames = randomFrames(nFrames * n, h * 1000 + w);
      const outOffset = 7; // not a multiple of 4 or 16
      const expected = new Float32Array(n + 2 * outOffset).fill(-1);
      const got = new Float32Array(n + 2 * outOffset);
      const pads = h * w > 1000 ? [0, 1, 4] : [0, 1, 2, 3, 4, 5];
      for (const pad of pads) {
        for (let dy = -pad; dy <= pad; dy++) {
          for (let dx = -pad; dx <= pad; dx++) {
            const frame = (dx + dy + 2 * pad) % nFrames;
            referenceShift(frames, frame, h, w, dx, dy, expected, outOffset);
            for (const [name, fn] of impls) {
              got.fill(-1);
              fn(frames, frame, h, w, dx, dy, got, outOffset);
              const bad = firstMismatch(got, expected);
              if (bad >= 0) {
                throw new Error(`${name} ${h}×${w} pad ${pad} shift (${dx}, ${dy}) frame ${frame}: element ${bad} is ${got[bad]}, expected ${expected[bad]}`);
              }
            }
          }
        }
      }
    });
  }

  it('handles shifts beyond the image size (every output pixel is an edge pixel)', () => {
    const [h, w] = [3, 2];
    const frames = randomFrames(h * w * 3, 5);
    const expected = new Float32Array(h * w * 3);
    const got = new Float32Array(h * w * 3);
    for (const [dx, dy] of [[7, 0], [-7, 0], [0, 9], [0, -9], [5, -6], [-3, 3]]) {
      referenceShift(frames, 0, h, w, dx, dy, expected, 0);
      for (const [name, fn] of impls) {
        fn(frames, 0, h, w, dx, dy, got, 0);
        expect(firstMismatch(got, expected), `${name} (${dx}, ${dy})`).toBe(-1);
      }
    }
  });

  it('inference path (shift 0 on a single frame) is the plain conversion, and alternating sizes reuse the kernel memory', () => {
    for (const [h, w] of [[96, 96], [5, 7], [120, 160], [96, 96]] as [number, number][]) {
      const img = randomFrames(h * w * 3, h + w);
      const out = new Float32Array(h * w * 3);
      shiftedFrame(img, 0, h, w, 0, 0, out, 0);
      const expected = Float32Array.from(img, (v) => v / 255);
      expect(firstMismatch(out, expected)).toBe(-1);
    }
  });
});
