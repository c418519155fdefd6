// The first layer's space-to-depth Winograd path (spaceToDepthConv.ts):
// forward and filter gradient through the wasm kernel fronts against the cpu
// backend (and, where the path declines, the same fronts still agreeing),
// numerical gradients of a float64 reference, the plan's applicability and
// heap hygiene.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../data/Rng.ts';
import { initBackend } from './initBackend.ts';
import { filterGradViaSpaceToDepth, conv2dViaSpaceToDepth, spaceToDepthPlan, spaceToDepthSettings } from './spaceToDepthConv.ts';
import { convGeometry } from './wasmHeap.ts';
import type { ConvGeometry } from './wasmHeap.ts';

type Pad = 'same' | 'valid';
interface Case { x: [number, number, number, number]; k: number; co: number; strides: number; pad: Pad; applies: boolean }

const cases: Case[] = [
  { x: [2, 96, 96, 3], k: 5, co: 16, strides: 2, pad: 'same', applies: true }, // the chunk encoder's first layer
  { x: [3, 16, 24, 3], k: 5, co: 8, strides: 2, pad: 'same', applies: true }, // non-square, F(4×4)
  { x: [1, 12, 20, 4], k: 5, co: 24, strides: 2, pad: 'same', applies: true }, // 6×10 outputs: F(2×2); CI 4
  { x: [2, 8, 8, 1], k: 5, co: 8, strides: 2, pad: 'same', applies: true }, // one channel
  { x: [1, 15, 16, 3], k: 5, co: 8, strides: 2, pad: 'same', applies: false }, // odd height: pad top 2
  { x: [1, 14, 14, 3], k: 5, co: 8, strides: 2, pad: 'same', applies: false }, // 7×7 outputs: no Winograd tile
  { x: [1, 16, 16, 3], k: 5, co: 8, strides: 2, pad: 'valid', applies: false },
  { x: [1, 16, 16, 3], k: 5, co: 8, strides: 1, pad: 'same', applies: false },
  { x: [1, 16, 16, 3], k: 3, co: 8, strides: 2, pad: 'same', applies: false },
];

const attrsOf = (c: Case): { strides: number; pad: Pad; dataFormat: 'NHWC'; dimRoundingMode: undefined } => ({ strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined });
const geometry = (c: Case): ConvGeometry => convGeometry(c.x, [c.k, c.k, c.x[3], c.co], attrsOf(c), 'test');
const random = (n: number, rng: Rng): Float32Array => Float32Array.from({ length: n }, () => rng.next() * 2 - 1);

/** Conv2D and Conv2DBackpropFilter on the current backend. */
function run(c: Case, x: Float32Array, w: Float32Array, dy: Float32Array, dyShape: number[]): { y: Float32Array; dw: Float32Array } {
  const attrs = attrsOf(c);
  const wShape = [c.k, c.k, c.x[3], c.co];
  return tf.tidy(() => {
    const xt = tf.tensor(x, c.x);
    const y = tf.engine().runKernel('Conv2D', { x: xt, filter: tf.tensor(w, wShape) }, { ...attrs, dilations: 1 } as unknown as tf.NamedAttrMap) as tf.Tensor;
    const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy: tf.tensor(dy, dyShape) }, { ...attrs, filterShape: wShape } as unknown as tf.NamedAttrMap) as tf.Tensor;
    return { y: y.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array };
  });
}

function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  let scale = 1e-30;
  for (let i = 0; i < a.length; i++) {
    m = Math.max(m, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return m / scale;
}

/** L = Σ conv(x, w) · dy in float64, any square filter. */
function refLoss(x: Float64Array, w: Float64Array, dy: Float64Array, g: ConvGeometry): number {
  let sum = 0;
  for (let b = 0; b < g.B; b++) for (let oh = 0; oh < g.OH; oh++) for (let ow = 0; ow < g.OW; ow++) for (let co = 0; co < g.CO; co++) {
    let v = 0;
    for (let kh = 0; kh < g.FH; kh++) for (let kw = 0; kw < g.FW; kw++) {
      const ih = oh * g.SH + kh - g.top;
      const iw = ow * g.SW + kw - g.left;
      if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
      for (let ci = 0; ci < g.CI; ci++) v += x[((b * g.H + ih) * g.W + iw) * g.CI + ci] * w[((kh * g.FW + kw) * g.CI + ci) * g.CO + co];
    }
    sum += v * dy[((b * g.OH + oh) * g.OW + ow) * g.CO + co];
  }
  return sum;
}

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

describe('space-to-depth first layer (wasm)', () => {
  cases.forEach((c, i) => {
    it(`x ${c.x.join('×')}, ${c.k}×${c.k} → ${c.co}, stride ${c.strides}, pad ${c.pad}: ${c.applies ? 'takes the path' : 'declines'}; forward and filter gradient equal the cpu backend`, async () => {
      const g = geometry(c);
      expect(spaceToDepthPlan(g, 'forward') != null).toBe(c.applies);
      expect(spaceToDepthPlan(g, 'filter') != null).toBe(c.applies);
      const rng = new Rng(300 + i);
      const dyShape = [g.B, g.OH, g.OW, g.CO];
      const x = random(c.x.reduce((p, q) => p * q, 1), rng);
      const w = random(c.k * c.k * g.CI * g.CO, rng);
      const dy = random(dyShape.reduce((p, q) => p * q, 1), rng);
      await tf.setBackend('cpu');
      const want = run(c, x, w, dy, dyShape);
      await tf.setBackend('wasm');
      const got = run(c, x, w, dy, dyShape);
      expect(relDiff(got.y, want.y)).toBeLessThan(2e-5);
      expect(relDiff(got.dw, want.dw)).toBeLessThan(2e-5);
    });
  });

  it('matches numerical gradients of a float64 reference', () => {
    const c = cases[3];
    const g = geometry(c);
    const plan = spaceToDepthPlan(g, 'filter')!;
    const rng = new Rng(17);
    const dyShape = [g.B, g.OH, g.OW, g.CO];
    const x = random(c.x.reduce((p, q) => p * q, 1), rng);
    const w = random(25 * g.CI * g.CO, rng);
    const dy = random(dyShape.reduce((p, q) => p * q, 1), rng);
    const [x64, w64, dy64] = [x, w, dy].map((v) => Float64Array.from(v));
    const dwRef = new Float64Array(w.length);
    for (let k = 0; k < w.length; k++) {
      const keep = w64[k];
      w64[k] = keep + 0.5;
      const up = refLoss(x64, w64, dy64, g);
      w64[k] = keep - 0.5;
      dwRef[k] = up - refLoss(x64, w64, dy64, g);
      w64[k] = keep;
    }
    const backend = tf.backend() as unknown as BackendWasm;
    const [xt, dyt] = [tf.tensor(x, c.x), tf.tensor(dy, dyShape)];
    const dw = filterGradViaSpaceToDepth(xt, dyt, g, backend, plan.gs, plan.sch);
    expect(relDiff((backend.readSync(dw.dataId) as Float32Array).slice(), dwRef)).toBeLessThan(2e-5);
    backend.disposeData(dw.dataId);
    tf.dispose([xt, dyt]);
  });

  it('the forward\'s image filled chunk by chunk (lazy) gives bit for bit the forward and, kept, the filter gradient of the image filled up front, also when it starts as NaNs', () => {
    const backend = tf.backend() as unknown as BackendWasm;
    for (const [i, c] of cases.filter((k) => k.applies).entries()) {
      const g = geometry(c);
      const fwd = spaceToDepthPlan(g, 'forward')!;
      const filt = spaceToDepthPlan(g, 'filter')!;
      const rng = new Rng(500 + i);
      const x = tf.tensor(random(c.x.reduce((p, q) => p * q, 1), rng), c.x);
      const w = tf.tensor(random(25 * g.CI * g.CO, rng), [5, 5, g.CI, g.CO]);
      const dy = tf.tensor(random(g.B * g.OH * g.OW * g.CO, rng), [g.B, g.OH, g.OW, g.CO]);
      const runs = [true, false].map((lazy) => {
        Object.assign(spaceToDepthSettings, { lazy, poison: lazy });
        // A training forward keeps its image; the filter gradient takes it.
        const y = conv2dViaSpaceToDepth(x, w, g, backend, fwd.gs, fwd.sch, true);
        const dw = filterGradViaSpaceToDepth(x, dy, g, backend, filt.gs, filt.sch);
        return [y, dw].map((t) => {
          const v = (backend.readSync(t.dataId) as Float32Array).slice();
          backend.disposeData(t.dataId);
          return v;
        });
      });
      Object.assign(spaceToDepthSettings, { lazy: true, poison: false });
      runs[0].forEach((v, k) => expect(Array.from(v), `x [${c.x}] ${k === 0 ? 'y' : 'dw'}`).toEqual(Array.from(runs[1][k])));
      expect(runs[0][0].some((v) => Number.isNaN(v))).toBe(false);
      tf.dispose([x, w, dy]);
    }
  });

  it('follows spaceToDepthSettings.enabled', () => {
    const g = geometry(cases[0]);
    spaceToDepthSettings.enabled = false;
    expect(spaceToDepthPlan(g, 'forward')).toBeNull();
    spaceToDepthSettings.enabled = true;
    expect(spaceToDepthPlan(g, 'forward')).not.toBeNull();
  });

  it('does not leak heap buffers', () => {
    const backend = tf.backend() as unknown as BackendWasm & { numDataIds(): number };
    const c = cases[1];
    const g = geometry(c);
    const plan = spaceToDepthPlan(g, 'forward')!;
    const rng = new Rng(4);
    const x = tf.tensor(random(c.x.reduce((p, q) => p * q, 1), rng), c.x);
    const w = tf.tensor(random(25 * g.CI * g.CO, rng), [5, 5, g.CI, g.CO]);
    const dy = tf.tensor(random(g.B * g.OH * g.OW * g.CO, rng), [g.B, g.OH, g.OW, g.CO]);
    const before = backend.numDataIds();
    backend.disposeData(conv2dViaSpaceToDepth(x, w, g, backend, plan.gs, plan.sch).dataId);
    backend.disposeData(filterGradViaSpaceToDepth(x, dy, g, backend, plan.gs, plan.sch).dataId);
    expect(backend.numDataIds()).toBe(before);
    tf.dispose([x, w, dy]);
  });
});
