// Our wasm Add front (bias add: [..., C] + [C], C % 4 == 0, one SIMD pass)
// against the cpu backend, including shapes that go to the stock kernel.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../data/Rng.ts';
import { initBackend } from './initBackend.ts';
import { onBackend } from './testing/onBackend.ts';

const cases: [number[], number[]][] = [
  [[2, 5, 5, 16], [16]], // a conv bias
  [[3, 8], [8]],
  [[0, 4], [4]], // empty
  // The stock kernel:
  [[4, 6], [6]], // C % 4 != 0
  [[16], [16]], // rank 1
  [[2, 4], [2, 4]], // no broadcast
  [[4], [2, 3, 4]], // bias first
];

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});
afterAll(async () => {
  await tf.setBackend('wasm');
});

describe('Add (wasm) front', () => {
  for (const [sa, sb] of cases) {
    it(`[${sa}] + [${sb}]: equals the cpu backend`, async () => {
      const rng = new Rng(sa.length * 7 + sb.length);
      const va = Float32Array.from({ length: sa.reduce((x, y) => x * y, 1) }, () => rng.next() * 2 - 1);
      const vb = Float32Array.from({ length: sb.reduce((x, y) => x * y, 1) }, () => rng.next() * 2 - 1);
      const f = (): tf.Tensor => tf.add(tf.tensor(va, sa), tf.tensor(vb, sb));
      const want = await onBackend('cpu', f);
      const got = await onBackend('wasm', f);
      expect(got.shape).toEqual(want.shape);
      expect(Array.from(got.data)).toEqual(Array.from(want.data));
      expect(got.leaked).toBe(0);
    });
  }
});
