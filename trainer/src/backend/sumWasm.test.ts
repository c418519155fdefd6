// Our wasm Sum front (one SIMD pass over leading/middle axes) against the cpu
// backend, including the shapes that must fall through to the stock kernel.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../data/Rng.ts';
import { initBackend } from './initBackend.ts';
import { onBackend } from './testing/onBackend.ts';

interface Case { shape: number[]; axis: number | number[]; keepDims?: boolean }

const cases: Case[] = [
  { shape: [32, 12, 12, 64], axis: [0, 1, 2] }, // a conv bias gradient
  { shape: [4, 144, 64], axis: 1, keepDims: true }, // spatial softmax over pixels
  { shape: [3, 5, 8], axis: [0, 1], keepDims: true },
  { shape: [7, 4], axis: 0 },
  { shape: [2, 3, 5, 12], axis: [-3, -2] }, // negative axes
  { shape: [2, 0, 4], axis: 1 }, // nothing to sum: zeros
  // Fall through to the stock kernel:
  { shape: [6, 5], axis: 1 }, // last axis
  { shape: [3, 5, 6], axis: 1 }, // inner not a multiple of 4
  { shape: [2, 3, 4, 4], axis: [0, 2] }, // axes not contiguous
  { shape: [5, 8], axis: [0, 1] }, // everything
];

const sumOf = (c: Case, values: Float32Array): tf.Tensor => tf.sum(tf.tensor(values, c.shape), c.axis, c.keepDims ?? false);

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});
afterAll(async () => {
  await tf.setBackend('wasm');
});

describe('Sum (wasm) front', () => {
  for (const c of cases) {
    it(`[${c.shape}] over ${JSON.stringify(c.axis)}${c.keepDims ? ', keepDims' : ''}: equals the cpu backend`, async () => {
      const rng = new Rng(c.shape.reduce((a, b) => a * 31 + b, 7));
      const values = Float32Array.from({ length: c.shape.reduce((a, b) => a * b, 1) }, () => rng.next() * 2 - 1);
      const want = await onBackend('cpu', () => sumOf(c, values));
      const got = await onBackend('wasm', () => sumOf(c, values));
      expect(got.shape).toEqual(want.shape);
      expect(got.data.length).toBe(want.data.length);
      for (let i = 0; i < want.data.length; i++) expect(got.data[i]).toBeCloseTo(want.data[i], 3);
      expect(got.leaked).toBe(0);
    });
  }
});
