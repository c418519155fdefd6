// Our wasm BatchMatMul front (transposes and orientation choice) against the
// cpu backend's plain matMul, for every transpose combination, shapes that pick
// either orientation or our SIMD product (N % 8 == 0), and batched products.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../data/Rng.ts';
import { initBackend } from './initBackend.ts';
import { onBackend } from './testing/onBackend.ts';

interface Case { m: number; k: number; n: number; batch?: number[] }

const cases: Case[] = [
  { m: 32, k: 256, n: 256 }, // dense layer: dX = dY·Wᵀ takes the swapped orientation
  { m: 256, k: 32, n: 256 }, // dW = Xᵀ·dY
  { m: 3, k: 5, n: 7 },
  { m: 1, k: 9, n: 4 },
  { m: 40, k: 3, n: 2 },
  { m: 4, k: 6, n: 5, batch: [3] },
  { m: 2, k: 3, n: 4, batch: [1, 1] },
  // N % 8 == 0: plain products on our conv kernel (matMulViaSimd): 3-row blocks plus 1–2 leftover rows, odd K
  { m: 32, k: 275, n: 512 }, // the chunk head's first layer
  { m: 5, k: 3, n: 16 },
  { m: 1, k: 7, n: 8 },
  { m: 4, k: 6, n: 24, batch: [1] },
  { m: 4, k: 6, n: 8, batch: [2] }, // batched: the stock kernel
];

function values(n: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
}

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});
afterAll(async () => {
  await tf.setBackend('wasm');
});

describe('BatchMatMul (wasm) front', () => {
  for (const c of cases) {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      it(`${c.batch ? `[${c.batch}]× ` : ''}${c.m}×${c.k}·${c.k}×${c.n}, transposeA ${ta}, transposeB ${tb}: equals the cpu backend`, async () => {
        const rng = new Rng(c.m * 1000 + c.k * 10 + c.n);
        const batch = c.batch ?? [];
        const aShape = [...batch, ...(ta ? [c.k, c.m] : [c.m, c.k])];
        const bShape = [...batch, ...(tb ? [c.n, c.k] : [c.k, c.n])];
        const a = values(aShape.reduce((x, y) => x * y, 1), rng);
        const b = values(bShape.reduce((x, y) => x * y, 1), rng);
        const run = (): tf.Tensor => tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape), ta, tb);
        const want = await onBackend('cpu', run);
        const got = await onBackend('wasm', run);
        expect(got.shape).toEqual([...batch, c.m, c.n]);
        expect(got.shape).toEqual(want.shape);
        for (let i = 0; i < want.data.length; i++) expect(got.data[i]).toBeCloseTo(want.data[i], 4);
        expect(got.leaked).toBe(0);
      });
    }
  }
});
