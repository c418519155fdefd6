// The copy-free wasm Identity: clones share the buffer, keep their values
// when the original is disposed, and free the buffer with the last reference.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './initBackend.ts';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

describe('Identity (wasm)', () => {
  it('clone shares the buffer, outlives the original, and the last dispose frees it', () => {
    const backend = tf.backend();
    const before = backend.numDataIds();
    const a = tf.tensor([1, 2, 3, 4], [2, 2]);
    const b = a.clone();
    expect(backend.numDataIds()).toBe(before + 1);
    a.dispose();
    expect(Array.from(b.dataSync())).toEqual([1, 2, 3, 4]);
    expect(b.shape).toEqual([2, 2]);
    b.dispose();
    expect(backend.numDataIds()).toBe(before);
  });

  it('gradients through saved tensors are unchanged (tfjs clones what it saves for backprop)', () => {
    const x = tf.tensor([0.5, -1, 2], [3]);
    const g = tf.grad((v: tf.Tensor) => v.exp().mul(v).sum())(x);
    const want = [0.5, -1, 2].map((v) => Math.exp(v) * (1 + v));
    Array.from(g.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
    tf.dispose([x, g]);
  });

  it('strings still go through the stock kernel', () => {
    const s = tf.tensor(['a', 'bc']);
    const c = s.clone();
    s.dispose();
    expect(c.dataSync()).toEqual(['a', 'bc']);
    c.dispose();
  });
});
