// The custom WASM conv gradient kernels against (1) numerical gradients of a
// float64 reference convolution and (2) the cpu backend's own kernels.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../data/Rng.ts';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { filterGradViaConv2D, filterGradViaMatMul, filterGradViaSimd } from './conv2dBackpropFilterWasm.ts';
import { inputGradViaConv2D, inputGradViaMatMul, inputGradViaSimd } from './conv2dBackpropInputWasm.ts';
import { initBackend } from './initBackend.ts';
import { convGeometry } from './wasmHeap.ts';
import type { ConvGeometry } from './wasmHeap.ts';

type Pad = 'same' | 'valid' | number;
interface Case { x: [number, number, number, number]; f: [number, number, number, number]; strides: number | [number, number]; pad: Pad }

const cases: Case[] = [
  { x: [2, 5, 6, 3], f: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { x: [2, 7, 7, 2], f: [3, 3, 2, 3], strides: 2, pad: 'same' },
  { x: [1, 8, 6, 3], f: [5, 5, 3, 2], strides: 2, pad: 'same' },
  { x: [2, 6, 7, 4], f: [2, 3, 4, 3], strides: [2, 1], pad: 'valid' },
  { x: [1, 9, 9, 1], f: [3, 3, 1, 5], strides: 3, pad: 'same' },
  { x: [2, 6, 6, 3], f: [3, 3, 3, 2], strides: 1, pad: 1 },
  { x: [3, 4, 4, 20], f: [1, 1, 20, 6], strides: 1, pad: 'valid' },
  // 'valid' with an unused last row/column: the XNNPACK path would need
  // negative padding, so this exercises the matmul path through the kernel.
  { x: [2, 7, 7, 3], f: [2, 2, 3, 4], strides: 2, pad: 'valid' },
  // CO a multiple of 8: the SIMD filter-gradient kernel, with a partial
  // channel block (CI 3, 5, 6), several channel and output blocks, strides and 'valid'.
  { x: [2, 6, 5, 3], f: [3, 3, 3, 16], strides: 2, pad: 'same' },
  { x: [1, 4, 5, 6], f: [3, 3, 6, 32], strides: 1, pad: 'same' },
  { x: [2, 7, 7, 4], f: [2, 2, 4, 16], strides: 2, pad: 'valid' },
  { x: [1, 9, 8, 8], f: [5, 5, 8, 16], strides: [2, 1], pad: 'same' },
  { x: [2, 5, 7, 5], f: [3, 3, 5, 24], strides: [1, 2], pad: 'same' },
  // A filter wider than the image: some taps see no row or column at all.
  { x: [1, 3, 3, 4], f: [5, 5, 4, 8], strides: 1, pad: 'same' },
  // CI a multiple of 8: the SIMD input-gradient kernel (7 output columns: 2 blocks of 3 + 1).
  { x: [2, 13, 14, 8], f: [3, 3, 8, 5], strides: 2, pad: 'same' },
  { x: [2, 6, 6, 16], f: [3, 3, 16, 4], strides: 2, pad: 'same' },
  { x: [1, 5, 7, 32], f: [2, 2, 32, 16], strides: [2, 1], pad: 'valid' },
];

/** Runs one input-gradient path directly on the wasm backend. */
function inputPath(path: 'simd' | 'conv' | 'matmul', c: Case, w: Float32Array, dy: Float32Array, dyShape: number[]): Float32Array | null {
  const backend = tf.backend() as unknown as BackendWasm;
  const g = convGeometry(c.x, c.f, { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' }, 'test');
  const wt = tf.tensor(w, c.f);
  const dyt = tf.tensor(dy, dyShape);
  const out = path === 'simd' ? inputGradViaSimd(dyt, wt, g, backend) : path === 'conv' ? inputGradViaConv2D(dyt, wt, g, backend) : inputGradViaMatMul(dyt, wt, g, c.x, backend);
  tf.dispose([wt, dyt]);
  if (out == null) return null;
  const values = backend.readSync(out.dataId) as Float32Array;
  backend.disposeData(out.dataId);
  return values;
}

/** Runs one filter-gradient path directly on the wasm backend. */
function filterPath(path: 'simd' | 'conv' | 'matmul', c: Case, x: Float32Array, dy: Float32Array, dyShape: number[]): Float32Array | null {
  const backend = tf.backend() as unknown as BackendWasm;
  const g = convGeometry(c.x, c.f, { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' }, 'test');
  const xt = tf.tensor(x, c.x);
  const dyt = tf.tensor(dy, dyShape);
  const out = path === 'simd' ? filterGradViaSimd(xt, dyt, g, backend) : path === 'conv' ? filterGradViaConv2D(xt, dyt, g, backend) : filterGradViaMatMul(xt, dyt, g, backend);
  tf.dispose([xt, dyt]);
  if (out == null) return null;
  const values = backend.readSync(out.dataId) as Float32Array;
  backend.disposeData(out.dataId);
  return values;
}

function random(shape: number[], rng: Rng): Float32Array {
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.next() * 2 - 1);
}

/** L = Σ conv(x, w) · dy in float64, straight from the definition. */
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

/** Central differences of refLoss with respect to every element of `which`. */
function numericGrad(which: 'x' | 'w', x: Float64Array, w: Float64Array, dy: Float64Array, g: ConvGeometry): Float64Array {
  const v = which === 'x' ? x : w;
  const out = new Float64Array(v.length);
  const eps = 1e-3;
  for (let i = 0; i < v.length; i++) {
    const keep = v[i];
    v[i] = keep + eps;
    const up = refLoss(x, w, dy, g);
    v[i] = keep - eps;
    const down = refLoss(x, w, dy, g);
    v[i] = keep;
    out[i] = (up - down) / (2 * eps);
  }
  return out;
}

function run(backend: 'wasm' | 'cpu', kernel: 'Conv2DBackpropFilter' | 'Conv2DBackpropInput', c: Case, x: Float32Array, w: Float32Array, dy: Float32Array, dyShape: number[]): Float32Array {
  return tf.tidy(() => {
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
    const out = kernel === 'Conv2DBackpropFilter'
      ? tf.engine().runKernel(kernel, { x: tf.tensor(x, c.x), dy: tf.tensor(dy, dyShape) }, { ...attrs, filterShape: c.f } as unknown as tf.NamedAttrMap)
      : tf.engine().runKernel(kernel, { dy: tf.tensor(dy, dyShape), filter: tf.tensor(w, c.f) }, { ...attrs, inputShape: c.x } as unknown as tf.NamedAttrMap);
    return (out as tf.Tensor).dataSync() as Float32Array;
  });
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

describe('wasm conv gradient kernels', () => {
  cases.forEach((c, i) => {
    const label = `x ${c.x.join('×')}, filter ${c.f.join('×')}, strides ${c.strides}, pad ${c.pad}`;
    it(`match numerical gradients and the cpu backend: ${label}`, async () => {
      const rng = new Rng(100 + i);
      const g = convGeometry(c.x, c.f, { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' }, 'test');
      const dyShape = [g.B, g.OH, g.OW, g.CO];
      const x = random(c.x, rng);
      const w = random(c.f, rng);
      const dy = random(dyShape, rng);

      await tf.setBackend('wasm');
      const dwWasm = run('wasm', 'Conv2DBackpropFilter', c, x, w, dy, dyShape);
      const dxWasm = run('wasm', 'Conv2DBackpropInput', c, x, w, dy, dyShape);
      await tf.setBackend('cpu');
      const dwCpu = run('cpu', 'Conv2DBackpropFilter', c, x, w, dy, dyShape);
      const dxCpu = run('cpu', 'Conv2DBackpropInput', c, x, w, dy, dyShape);
      await tf.setBackend('wasm');

      const x64 = Float64Array.from(x);
      const w64 = Float64Array.from(w);
      const dy64 = Float64Array.from(dy);
      expect(maxAbsDiff(dwWasm, numericGrad('w', x64, w64, dy64, g))).toBeLessThan(1e-3);
      expect(maxAbsDiff(dxWasm, numericGrad('x', x64, w64, dy64, g))).toBeLessThan(1e-3);
      expect(maxAbsDiff(dwWasm, dwCpu)).toBeLessThan(1e-4);
      expect(maxAbsDiff(dxWasm, dxCpu)).toBeLessThan(1e-4);

      // Every filter-gradient path, whichever the kernel picked.
      await tf.setBackend('wasm');
      const viaSimd = filterPath('simd', c, x, dy, dyShape);
      if (viaSimd != null) expect(maxAbsDiff(viaSimd, dwCpu)).toBeLessThan(1e-4);
      else expect(c.f[3] % 8).not.toBe(0);
      expect(maxAbsDiff(filterPath('matmul', c, x, dy, dyShape)!, dwCpu)).toBeLessThan(1e-4);
      const viaConv = filterPath('conv', c, x, dy, dyShape);
      if (viaConv != null) expect(maxAbsDiff(viaConv, dwCpu)).toBeLessThan(1e-4);
      else expect(c.pad).toBe('valid');
      expect(maxAbsDiff(inputPath('matmul', c, w, dy, dyShape)!, dxCpu)).toBeLessThan(1e-4);
      const dxSimd = inputPath('simd', c, w, dy, dyShape);
      if (dxSimd != null) expect(maxAbsDiff(dxSimd, dxCpu)).toBeLessThan(1e-4);
      else expect(c.x[3] % 8).not.toBe(0);
      const dxConv = inputPath('conv', c, w, dy, dyShape);
      if (dxConv != null) expect(maxAbsDiff(dxConv, dxCpu)).toBeLessThan(1e-4);
      else expect(c.strides !== 1 || c.pad === 'valid').toBe(true);
    });
  });

  it('blocks large inputs without changing the result (more rows than one scratch block)', async () => {
    // 4×192×96 rows × 75 taps > the 1 M-float scratch budget → several blocks.
    const c: Case = { x: [4, 192, 96, 3], f: [5, 5, 3, 4], strides: 1, pad: 'same' };
    const rng = new Rng(7);
    const dyShape = [4, 192, 96, 4];
    const x = random(c.x, rng);
    const w = random(c.f, rng);
    const dy = random(dyShape, rng);
    await tf.setBackend('wasm');
    const dwWasm = run('wasm', 'Conv2DBackpropFilter', c, x, w, dy, dyShape);
    const dxWasm = run('wasm', 'Conv2DBackpropInput', c, x, w, dy, dyShape);
    await tf.setBackend('cpu');
    const dwCpu = run('cpu', 'Conv2DBackpropFilter', c, x, w, dy, dyShape);
    const dxCpu = run('cpu', 'Conv2DBackpropInput', c, x, w, dy, dyShape);
    await tf.setBackend('wasm');
    const dwBlocked = filterPath('matmul', c, x, dy, dyShape)!;
    const dxBlocked = inputPath('matmul', c, w, dy, dyShape)!;
    // dW sums ~74k products of magnitude ≤ 1: compare relative to its scale.
    const scale = Math.max(...Array.from(dwCpu, Math.abs));
    expect(maxAbsDiff(dwWasm, dwCpu) / scale).toBeLessThan(1e-4);
    expect(maxAbsDiff(dwBlocked, dwCpu) / scale).toBeLessThan(1e-4);
    expect(maxAbsDiff(dxWasm, dxCpu)).toBeLessThan(1e-4);
    expect(maxAbsDiff(dxBlocked, dxCpu)).toBeLessThan(1e-4);
  });

  it('does not leak heap tensors', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const dataIds = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    const rng = new Rng(3);
    const c = cases[1];
    const g = convGeometry(c.x, c.f, { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' }, 'test');
    run('wasm', 'Conv2DBackpropFilter', c, random(c.x, rng), random(c.f, rng), random([g.B, g.OH, g.OW, g.CO], rng), [g.B, g.OH, g.OW, g.CO]);
    run('wasm', 'Conv2DBackpropInput', c, random(c.x, rng), random(c.f, rng), random([g.B, g.OH, g.OW, g.CO], rng), [g.B, g.OH, g.OW, g.CO]);
    expect(tf.memory().numTensors).toBe(before);
    expect((tf.backend() as unknown as { numDataIds(): number }).numDataIds()).toBe(dataIds);
  });
});
