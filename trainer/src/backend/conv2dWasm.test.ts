// Our wasm Conv2D front (SIMD kernel for NHWC, dilation 1, CO % 8 == 0)
// against the cpu backend's conv2d, including edge columns and rows, filters
// wider than the image, remainders of the 3-pixel blocks, and shapes that
// go to the stock kernel.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../data/Rng.ts';
import { initBackend } from './initBackend.ts';
import { onBackend } from './testing/onBackend.ts';

interface Case { x: [number, number, number, number]; f: [number, number, number, number]; strides: number | [number, number]; pad: 'same' | 'valid' | number; dilations?: number }

const cases: Case[] = [
  { x: [2, 96, 96, 3], f: [5, 5, 3, 16], strides: 2, pad: 'same' }, // the chunk encoder's first layer
  { x: [2, 12, 12, 32], f: [3, 3, 32, 64], strides: 1, pad: 'same' },
  { x: [1, 7, 8, 5], f: [3, 3, 5, 24], strides: [2, 1], pad: 'same' },
  { x: [2, 9, 10, 1], f: [2, 4, 1, 8], strides: 1, pad: 'valid' }, // 7 output columns: 2 blocks + 1
  { x: [1, 3, 3, 4], f: [5, 5, 4, 8], strides: 1, pad: 'same' }, // no interior column
  { x: [1, 6, 6, 2], f: [3, 3, 2, 8], strides: 1, pad: 2 }, // explicit padding wider than the filter reach: zero rows
  { x: [1, 8, 8, 3], f: [3, 3, 3, 8], strides: 3, pad: 'valid' },
  // The stock kernel:
  { x: [1, 6, 6, 3], f: [3, 3, 3, 6], strides: 1, pad: 'same' }, // CO % 8 != 0
  { x: [1, 9, 9, 2], f: [3, 3, 2, 8], strides: 1, pad: 'same', dilations: 2 },
];

function random(n: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
}

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});
afterAll(async () => {
  await tf.setBackend('wasm');
});

describe('Conv2D (wasm) front', () => {
  for (const c of cases) {
    it(`x ${c.x.join('×')}, filter ${c.f.join('×')}, strides ${c.strides}, pad ${c.pad}${c.dilations ? `, dilations ${c.dilations}` : ''}: equals the cpu backend`, async () => {
      const rng = new Rng(c.x.reduce((a, b) => a * 31 + b, c.f[3]));
      const x = random(c.x.reduce((a, b) => a * b, 1), rng);
      const w = random(c.f.reduce((a, b) => a * b, 1), rng);
      const conv = (): tf.Tensor => tf.conv2d(tf.tensor4d(x, c.x), tf.tensor4d(w, c.f), c.strides, c.pad, 'NHWC', c.dilations ?? 1);
      const want = await onBackend('cpu', conv);
      const got = await onBackend('wasm', conv);
      expect(got.shape).toEqual(want.shape);
      let worst = 0;
      for (let i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(got.data[i] - want.data[i]));
      expect(worst).toBeLessThan(1e-4);
      expect(got.leaked).toBe(0);
    });
  }
});
