// The spatial-softmax op (policies/chunk/spatialSoftmaxOp.ts) against a
// float64 reference from the definition and its numerical gradients: on wasm
// through our SIMD kernels, on cpu (and on wasm for C % 4 != 0) through the
// tfjs-ops fallback.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../data/Rng.ts';
import { spatialSoftmax } from '../policies/chunk/spatialSoftmaxOp.ts';
import { initBackend } from './initBackend.ts';
import { SPATIAL_SOFTMAX } from './kernelNames.ts';

interface Case { shape: [number, number, number, number]; temperature: number; scale: number }

const cases: Case[] = [
  { shape: [2, 3, 5, 8], temperature: 0.7, scale: 2 },
  { shape: [3, 4, 4, 4], temperature: 1.3, scale: 1 },
  { shape: [1, 1, 6, 4], temperature: 1, scale: 3 }, // one row: y is 0 everywhere
  { shape: [2, 3, 3, 3], temperature: 0.9, scale: 2 }, // C % 4 != 0: tfjs ops on wasm too
  { shape: [1, 2, 3, 4], temperature: -0.8, scale: 2 }, // a negative temperature flips the logits
  { shape: [2, 12, 12, 64], temperature: 0.5, scale: 20 }, // the chunk encoder's maps; logits far apart
];

/** Σ keypoints · w in float64, from the definition. */
function refLoss(x: Float64Array, t: number, w: Float64Array, [B, H, W, C]: number[]): number {
  let loss = 0;
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      let m = -Infinity;
      for (let n = 0; n < H * W; n++) m = Math.max(m, x[(b * H * W + n) * C + c] / t);
      let s = 0;
      let kx = 0;
      let ky = 0;
      for (let n = 0; n < H * W; n++) {
        const e = Math.exp(x[(b * H * W + n) * C + c] / t - m);
        const i = Math.floor(n / W);
        const j = n % W;
        s += e;
        kx += e * (W > 1 ? -1 + (2 * j) / (W - 1) : 0);
        ky += e * (H > 1 ? -1 + (2 * i) / (H - 1) : 0);
      }
      loss += (kx / s) * w[b * 2 * C + c] + (ky / s) * w[b * 2 * C + C + c];
    }
  }
  return loss;
}

function values(n: number, rng: Rng, scale: number): Float32Array {
  return Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);
}

/** Keypoints, dx and dT on the named backend, and whether it ran our kernel. */
async function run(backend: 'cpu' | 'wasm', c: Case, x: Float32Array, w: Float32Array): Promise<{ k: Float32Array; dx: Float32Array; dT: number; leaked: number }> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const xt = tf.tensor4d(x, c.shape);
  const tt = tf.tensor1d([c.temperature]);
  const wt = tf.tensor2d(w, [c.shape[0], 2 * c.shape[3]]);
  const k = tf.tidy(() => spatialSoftmax(xt, tt));
  const [dx, dT] = tf.grads((a: tf.Tensor, b: tf.Tensor) => spatialSoftmax(a as tf.Tensor4D, b).mul(wt).sum())([xt, tt]);
  const out = { k: (await k.data()) as Float32Array, dx: (await dx.data()) as Float32Array, dT: (await dT.data())[0] };
  tf.dispose([xt, tt, wt, k, dx, dT]);
  return { ...out, leaked: tf.memory().numTensors - before };
}

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});
afterAll(async () => {
  await tf.setBackend('wasm');
});

describe('spatial softmax op', () => {
  it('runs our kernel on wasm', () => {
    expect(tf.getKernel(SPATIAL_SOFTMAX, 'wasm')).toBeDefined();
  });

  for (const c of cases) {
    it(`[${c.shape}] at T ${c.temperature}: keypoints and gradients match the float64 reference on wasm and cpu`, async () => {
      const rng = new Rng(c.shape.reduce((a, b) => a * 31 + b, 11));
      const size = c.shape.reduce((a, b) => a * b, 1);
      const x = values(size, rng, c.scale);
      const w = values(c.shape[0] * 2 * c.shape[3], rng, 1);
      const x64 = Float64Array.from(x);
      const w64 = Float64Array.from(w);
      // Numerical gradients (central differences) of the float64 loss; a sample of x's elements for the big case.
      const h = 1e-5;
      const probe = size <= 512 ? Array.from({ length: size }, (_, i) => i) : Array.from({ length: 200 }, () => Math.floor(rng.next() * size));
      const numDx = new Map<number, number>();
      for (const i of probe) {
        const v = x64[i];
        x64[i] = v + h;
        const up = refLoss(x64, c.temperature, w64, c.shape);
        x64[i] = v - h;
        const down = refLoss(x64, c.temperature, w64, c.shape);
        x64[i] = v;
        numDx.set(i, (up - down) / (2 * h));
      }
      const numDT = (refLoss(x64, c.temperature + h, w64, c.shape) - refLoss(x64, c.temperature - h, w64, c.shape)) / (2 * h);
      const [B, , , C] = c.shape;
      const keypoints = new Float64Array(B * 2 * C);
      for (let i = 0; i < keypoints.length; i++) {
        const one = new Float64Array(B * 2 * C);
        one[i] = 1;
        keypoints[i] = refLoss(x64, c.temperature, one, c.shape);
      }
      const gScale = Math.max(1e-3, ...[...numDx.values()].map(Math.abs));
      for (const backend of ['wasm', 'cpu'] as const) {
        const got = await run(backend, c, x, w);
        for (let i = 0; i < keypoints.length; i++) expect(got.k[i], `${backend} keypoint ${i}`).toBeCloseTo(keypoints[i], 5);
        for (const [i, want] of numDx) expect(Math.abs(got.dx[i] - want) / gScale, `${backend} dx[${i}]: ${got.dx[i]} vs ${want}`).toBeLessThan(1e-3);
        expect(Math.abs(got.dT - numDT) / Math.max(1, Math.abs(numDT)), `${backend} dT: ${got.dT} vs ${numDT}`).toBeLessThan(1e-3);
        expect(got.leaked, backend).toBe(0);
      }
    });
  }
});
