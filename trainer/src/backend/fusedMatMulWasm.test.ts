// Our wasm _FusedMatMul front (fusedMatMulWasm.ts) against the cpu backend's
// fused matMul: bias or none, linear / relu (our SIMD product, N padded to a
// multiple of 8, partial and whole blocks, 1–2 leftover rows), transposes,
// batch-1 rank 3, and the cases it leaves to the stock kernel (prelu, elu).
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../data/Rng.ts';
import { initBackend } from './initBackend.ts';
import { onBackend } from './testing/onBackend.ts';

type Act = 'linear' | 'relu' | 'elu' | 'prelu';
interface Case { m: number; k: number; n: number; ta?: boolean; tb?: boolean; bias?: boolean; act: Act; batch?: number[] }

const cases: Case[] = [
  { m: 32, k: 512, n: 70, bias: true, act: 'linear' }, // the chunk policy's output layer
  { m: 32, k: 64, n: 512, bias: true, act: 'relu' },
  { m: 1, k: 9, n: 70, bias: true, act: 'relu' }, // batch-1 inference
  { m: 4, k: 7, n: 5, act: 'linear' }, // N < 8: one partial block, no bias
  { m: 5, k: 3, n: 16, ta: true, bias: true, act: 'relu' },
  { m: 7, k: 6, n: 13, tb: true, bias: true, act: 'linear' },
  { m: 3, k: 4, n: 10, ta: true, tb: true, act: 'relu' },
  { m: 4, k: 6, n: 12, bias: true, act: 'linear', batch: [1] },
  // (Batched products go to the stock kernel untested here: with a bias its
  // results differ from the cpu backend's, with or without our front.)
  { m: 6, k: 5, n: 8, bias: true, act: 'elu' }, // stock
  { m: 6, k: 5, n: 8, bias: true, act: 'prelu' }, // stock
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

describe('_FusedMatMul (wasm) front', () => {
  cases.forEach((c, i) => {
    it(`${c.batch ? `[${c.batch}]× ` : ''}${c.m}×${c.k}·${c.k}×${c.n}${c.ta ? ' ᵀa' : ''}${c.tb ? ' ᵀb' : ''}${c.bias ? ' + bias' : ''}, ${c.act}: equals the cpu backend`, async () => {
      const rng = new Rng(500 + i);
      const batch = c.batch ?? [];
      const aShape = [...batch, ...(c.ta ? [c.k, c.m] : [c.m, c.k])];
      const bShape = [...batch, ...(c.tb ? [c.n, c.k] : [c.k, c.n])];
      const a = values(aShape.reduce((x, y) => x * y, 1), rng);
      const b = values(bShape.reduce((x, y) => x * y, 1), rng);
      const bias = values(c.n, rng);
      const alpha = values(c.n, rng);
      const run = (): tf.Tensor => tf.fused.matMul({
        a: tf.tensor(a, aShape), b: tf.tensor(b, bShape), transposeA: c.ta ?? false, transposeB: c.tb ?? false,
        bias: c.bias ? tf.tensor1d(bias) : undefined, activation: c.act, preluActivationWeights: c.act === 'prelu' ? tf.tensor1d(alpha) : undefined,
      });
      const want = await onBackend('cpu', run);
      const got = await onBackend('wasm', run);
      expect(got.shape).toEqual([...batch, c.m, c.n]);
      expect(got.shape).toEqual(want.shape);
      let worst = 0;
      for (let j = 0; j < want.data.length; j++) worst = Math.max(worst, Math.abs(got.data[j] - want.data[j]));
      expect(worst).toBeLessThan(1e-4);
      expect(got.leaked).toBe(0);
    });
  });
});
