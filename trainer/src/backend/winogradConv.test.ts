// The Winograd convolutions (winogradConv.ts): each scheme's 1-D identity,
// then forward, filter gradient and input gradient of every scheme against
// the cpu backend's kernels and numerical gradients of a float64 reference,
// with odd image sides, explicit and 'valid' padding, several chunks, and
// the kernel fronts picking (or declining) Winograd.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../data/Rng.ts';
import { initBackend } from './initBackend.ts';
import { convGeometry } from './wasmHeap.ts';
import type { ConvGeometry } from './wasmHeap.ts';
import { chunkSettings, conv2dViaWinograd, padSettings, filterGradViaWinograd, gradsViaWinograd, inputGradSettings, inputGradViaWinograd, sharedGradScheme, WINOGRAD_SCHEMES, winogradScheme, winogradSettings, xiStride } from './winogradConv.ts';
import type { WinogradScheme } from './winogradConv.ts';
import { transformSettings } from './winogradSimd.ts';

type Pad = 'same' | 'valid' | number;
interface Case { x: [number, number, number, number]; co: number; strides: number; pad: Pad }

const cases: Case[] = [
  { x: [2, 12, 12, 32], co: 64, strides: 1, pad: 'same' }, // the chunk encoder's last layer
  { x: [2, 8, 8, 8], co: 16, strides: 2, pad: 'same' }, // in place, bottom/right edge variants
  { x: [1, 4, 4, 8], co: 8, strides: 1, pad: 'same' },
  { x: [1, 8, 4, 4], co: 8, strides: 1, pad: 'same' }, // CI % 8 != 0: no Winograd input gradient
  { x: [2, 7, 7, 8], co: 8, strides: 2, pad: 'same' }, // odd sides (4×4 outputs), pad top/left 1
  { x: [1, 10, 6, 8], co: 24, strides: 1, pad: 'valid' }, // 8×4 outputs
  { x: [2, 9, 9, 16], co: 8, strides: 2, pad: 'valid' }, // 4×4 outputs
  { x: [1, 8, 8, 8], co: 16, strides: 1, pad: 2 }, // explicit padding: 10×10 outputs
  { x: [1, 8, 12, 8], co: 8, strides: 2, pad: 'same' }, // in place: the last tile row and column read past the image (edge variants)
];

function random(n: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
}

function geometry(c: Case): ConvGeometry {
  return convGeometry(c.x, [3, 3, c.x[3], c.co], { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' }, 'test');
}

/** The cpu backend's Conv2D and gradients. */
async function cpu(c: Case, x: Float32Array, w: Float32Array, dy: Float32Array, dyShape: number[]): Promise<{ y: Float32Array; dw: Float32Array; dx: Float32Array }> {
  await tf.setBackend('cpu');
  const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
  const out = tf.tidy(() => {
    const xt = tf.tensor(x, c.x);
    const wt = tf.tensor(w, [3, 3, c.x[3], c.co]);
    const dyt = tf.tensor(dy, dyShape);
    const y = tf.engine().runKernel('Conv2D', { x: xt, filter: wt }, { ...attrs, dilations: 1 } as unknown as tf.NamedAttrMap) as tf.Tensor;
    const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy: dyt }, { ...attrs, filterShape: [3, 3, c.x[3], c.co] } as unknown as tf.NamedAttrMap) as tf.Tensor;
    const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy: dyt, filter: wt }, { ...attrs, inputShape: c.x } as unknown as tf.NamedAttrMap) as tf.Tensor;
    return [y.dataSync(), dw.dataSync(), dx.dataSync()] as Float32Array[];
  });
  await tf.setBackend('wasm');
  return { y: out[0], dw: out[1], dx: out[2] };
}

/** One Winograd function on the wasm backend, its heap result read back and freed. */
function wasm(run: (backend: BackendWasm, t: Record<string, tf.Tensor>) => { dataId: object }, tensors: Record<string, [Float32Array, number[]]>): Float32Array {
  const backend = tf.backend() as unknown as BackendWasm;
  const t = Object.fromEntries(Object.entries(tensors).map(([k, [v, s]]) => [k, tf.tensor(v, s)]));
  const out = run(backend, t);
  tf.dispose(Object.values(t));
  const values = (backend.readSync(out.dataId) as Float32Array).slice();
  backend.disposeData(out.dataId);
  return values;
}

/** Random x, w and dy for case `c` (drawn in that order from `seed`), and the tensors `wasm` takes. */
function problem(c: Case, seed: number) {
  const g = geometry(c);
  const rng = new Rng(seed);
  const dyShape = [g.B, g.OH, g.OW, g.CO];
  const x = random(c.x.reduce((p, q) => p * q, 1), rng);
  const w = random(9 * g.CI * g.CO, rng);
  const dy = random(dyShape.reduce((p, q) => p * q, 1), rng);
  const tensors: Record<string, [Float32Array, number[]]> = { x: [x, c.x], w: [w, [3, 3, g.CI, g.CO]], dy: [dy, dyShape] };
  return { g, x, w, dy, dyShape, tensors };
}

/** The forward, the filter gradient and the input gradient of `p` with `sch` on the wasm backend, each read back. */
function passes(p: ReturnType<typeof problem>, sch: WinogradScheme) {
  const { g, tensors } = p;
  return {
    y: () => wasm((b, t) => conv2dViaWinograd(t.x, t.w, g, b, sch), tensors),
    dw: () => wasm((b, t) => filterGradViaWinograd(t.x, t.dy, g, b, sch), tensors),
    dx: () => wasm((b, t) => inputGradViaWinograd(t.dy, t.w, g, b, sch), tensors),
  };
}

/** max |a − b| relative to max |b| (sums of up to 288 products of values in [−1, 1]). */
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

/** L = Σ conv(x, w) · dy in float64. */
function refLoss(x: Float64Array, w: Float64Array, dy: Float64Array, g: ConvGeometry): number {
  let sum = 0;
  for (let b = 0; b < g.B; b++) for (let oh = 0; oh < g.OH; oh++) for (let ow = 0; ow < g.OW; ow++) for (let co = 0; co < g.CO; co++) {
    let v = 0;
    for (let kh = 0; kh < 3; kh++) for (let kw = 0; kw < 3; kw++) {
      const ih = oh * g.SH + kh - g.top;
      const iw = ow * g.SW + kw - g.left;
      if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
      for (let ci = 0; ci < g.CI; ci++) v += x[((b * g.H + ih) * g.W + iw) * g.CI + ci] * w[((kh * 3 + kw) * g.CI + ci) * g.CO + co];
    }
    sum += v * dy[((b * g.OH + oh) * g.OW + ow) * g.CO + co];
  }
  return sum;
}

/** dL/dv by central differences (L is linear in each, so exact up to rounding). */
function numericGrad(v: Float64Array, loss: () => number): Float64Array {
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const keep = v[i];
    v[i] = keep + 0.5;
    const up = loss();
    v[i] = keep - 0.5;
    const down = loss();
    v[i] = keep;
    out[i] = up - down;
  }
  return out;
}

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

describe('Winograd schemes', () => {
  for (const [key, s] of Object.entries(WINOGRAD_SCHEMES)) {
    it(`${key}: At·((G·g) ⊙ (Bt·d)) is the stride-${s.s} correlation in 1-D`, () => {
      const rng = new Rng(5);
      const n = s.Bt[0].length;
      const d = Array.from({ length: n }, () => rng.next() * 2 - 1);
      const w = Array.from({ length: 3 }, () => rng.next() * 2 - 1);
      const prod = s.Bt.map((row, i) => row.reduce((acc, b, j) => acc + b * d[j], 0) * s.G[i].reduce((acc, gk, k) => acc + gk * w[k], 0));
      for (let o = 0; o < s.m; o++) {
        const want = w[0] * d[o * s.s] + w[1] * d[o * s.s + 1] + w[2] * d[o * s.s + 2];
        const got = s.At[o].reduce((acc, a, i) => acc + a * prod[i], 0);
        expect(Math.abs(got - want)).toBeLessThan(1e-12);
      }
    });
  }
});

describe('Winograd convolutions (wasm)', () => {
  cases.forEach((c, i) => {
    const g = geometry(c);
    const schemes: WinogradScheme[] = (c.strides === 1 ? [WINOGRAD_SCHEMES.f2, WINOGRAD_SCHEMES.f4] : [WINOGRAD_SCHEMES.p2, WINOGRAD_SCHEMES.p4]).filter((s) => g.OH % s.m === 0 && g.OW % s.m === 0);
    for (const sch of schemes) {
      it(`${sch.name}: x ${c.x.join('×')} → ${c.co}, stride ${c.strides}, pad ${c.pad}: forward and gradients equal the cpu backend`, async () => {
        const p = problem(c, 200 + i);
        const want = await cpu(c, p.x, p.w, p.dy, p.dyShape);
        const tol = sch.m === 4 ? 2e-5 : 2e-6;
        const run = passes(p, sch);
        expect(relDiff(run.y(), want.y)).toBeLessThan(tol);
        expect(relDiff(run.dw(), want.dw)).toBeLessThan(tol);
        if (g.CI % 8 === 0) expect(relDiff(run.dx(), want.dx)).toBeLessThan(tol);
      });
    }
  });

  it('match numerical gradients of a float64 reference (every scheme, small shapes)', async () => {
    const small: Case[] = [{ x: [1, 4, 4, 8], co: 8, strides: 1, pad: 'same' }, { x: [1, 7, 8, 8], co: 8, strides: 2, pad: 'same' }];
    for (const c of small) {
      const p = problem(c, 9);
      const g = p.g;
      const [x64, w64, dy64] = [p.x, p.w, p.dy].map((v) => Float64Array.from(v));
      const dwRef = numericGrad(w64, () => refLoss(x64, w64, dy64, g));
      const dxRef = numericGrad(x64, () => refLoss(x64, w64, dy64, g));
      for (const sch of c.strides === 1 ? [WINOGRAD_SCHEMES.f2, WINOGRAD_SCHEMES.f4] : [WINOGRAD_SCHEMES.p2, WINOGRAD_SCHEMES.p4]) {
        const run = passes(p, sch);
        expect(relDiff(run.dw(), dwRef)).toBeLessThan(2e-5);
        expect(relDiff(run.dx(), dxRef)).toBeLessThan(2e-5);
      }
    }
  });

  it('work in several chunks (more tile rows than one chunk) without changing the result', async () => {
    // 8 × 24×24 outputs, 16 → 32 channels: 25 × 12 × 48 floats per tile row, several chunks.
    const c: Case = { x: [8, 48, 48, 16], co: 32, strides: 2, pad: 'same' };
    const p = problem(c, 11);
    const want = await cpu(c, p.x, p.w, p.dy, p.dyShape);
    const run = passes(p, WINOGRAD_SCHEMES.p2);
    expect(relDiff(run.y(), want.y)).toBeLessThan(2e-6);
    expect(relDiff(run.dw(), want.dw)).toBeLessThan(2e-6);
    expect(relDiff(run.dx(), want.dx)).toBeLessThan(2e-6);
  });

  it('input gradient: border tiles clipped to the image give bit for bit the padded buffer\'s result (every scheme; pads on all sides, bottom/right only, explicit)', () => {
    const shapes: Case[] = [
      ...cases.filter((c) => c.x[3] % 8 === 0),
      { x: [2, 48, 48, 16], co: 32, strides: 2, pad: 'same' }, // the chunk encoder's second layer (bottom/right overhang)
      { x: [2, 24, 24, 32], co: 32, strides: 2, pad: 'same' },
    ];
    let clippedCases = 0;
    for (const c of shapes) {
      const g = geometry(c);
      const rng = new Rng(31);
      const dyShape = [g.B, g.OH, g.OW, g.CO];
      const w = random(9 * g.CI * g.CO, rng);
      const dy = random(dyShape.reduce((p, q) => p * q, 1), rng);
      const schemes = (c.strides === 1 ? [WINOGRAD_SCHEMES.f2, WINOGRAD_SCHEMES.f4] : [WINOGRAD_SCHEMES.p2, WINOGRAD_SCHEMES.p4]).filter((sch) => g.OH % sch.m === 0 && g.OW % sch.m === 0);
      for (const sch of schemes) {
        const run = (clip: boolean): Float32Array => {
          inputGradSettings.clipTiles = clip;
          try {
            return wasm((b, t) => inputGradViaWinograd(t.dy, t.w, g, b, sch), { dy: [dy, dyShape], w: [w, [3, 3, g.CI, g.CO]] });
          } finally {
            inputGradSettings.clipTiles = true;
          }
        };
        expect(Array.from(run(true)), `x [${c.x}] ${sch.name}`).toEqual(Array.from(run(false)));
        if (g.top > 0 || g.left > 0 || (g.OH - 1) * g.SH + 3 > g.H + g.top) clippedCases++;
      }
    }
    expect(clippedCases).toBeGreaterThan(6);
  });

  it('the forward\'s padded copy of x filled chunk by chunk (lazy) gives bit for bit the forward and, kept, the filter gradient of the copy filled up front, also when it starts as NaNs', () => {
    const shapes: Case[] = [...cases, { x: [2, 48, 48, 16], co: 32, strides: 2, pad: 'same' }, { x: [3, 24, 24, 32], co: 32, strides: 2, pad: 'same' }, { x: [2, 12, 12, 32], co: 64, strides: 1, pad: 'same' }];
    const keepFloats = chunkSettings.floats;
    const backend = tf.backend() as unknown as BackendWasm;
    let padded = 0;
    try {
      for (const [k, c] of shapes.entries()) {
        const g = geometry(c);
        const schemes = (c.strides === 1 ? [WINOGRAD_SCHEMES.f2, WINOGRAD_SCHEMES.f4] : [WINOGRAD_SCHEMES.p2, WINOGRAD_SCHEMES.p4]).filter((sch) => g.OH % sch.m === 0 && g.OW % sch.m === 0);
        const p = problem(c, 130 + k);
        for (const sch of schemes) {
          for (const floats of [keepFloats, 1]) {
            chunkSettings.floats = floats;
            const run = (lazy: boolean): Float32Array[] => {
              Object.assign(padSettings, { lazy, poison: lazy });
              const t = Object.fromEntries(Object.entries(p.tensors).map(([key, [v, shape]]) => [key, tf.tensor(v, shape)]));
              const before = backend.numDataIds();
              // A training forward keeps its padded copy; the filter gradient takes it.
              const y = conv2dViaWinograd(t.x, t.w, g, backend, sch, true);
              const kept = backend.numDataIds() - before - 1;
              const dw = filterGradViaWinograd(t.x, t.dy, g, backend, sch);
              const out = [y, dw].map((o) => (backend.readSync(o.dataId) as Float32Array).slice());
              for (const o of [y, dw]) backend.disposeData(o.dataId);
              tf.dispose(Object.values(t));
              padded += kept;
              return out;
            };
            const lazy = run(true);
            const upFront = run(false);
            lazy.forEach((v, i) => expect(Array.from(v), `x [${c.x}] ${sch.name} chunk ${floats} ${i === 0 ? 'y' : 'dw'}`).toEqual(Array.from(upFront[i])));
          }
        }
      }
    } finally {
      chunkSettings.floats = keepFloats;
      Object.assign(padSettings, { lazy: true, poison: false });
    }
    expect(padded).toBeGreaterThan(10); // cases that pad keep one copy per run
  });

  it('input gradient: rows zeroed chunk by chunk (lazyZero) give bit for bit the buffer zeroed up front, also when it starts as NaNs (every scheme, clipped and padded, one or many chunks, both gradient paths)', () => {
    const shapes: Case[] = [...cases.filter((c) => c.x[3] % 8 === 0), { x: [2, 48, 48, 16], co: 32, strides: 2, pad: 'same' }, { x: [3, 24, 24, 32], co: 32, strides: 2, pad: 'same' }, { x: [2, 12, 12, 32], co: 64, strides: 1, pad: 'same' }];
    const keepFloats = chunkSettings.floats;
    let ran = 0;
    try {
      for (const [k, c] of shapes.entries()) {
        const g = geometry(c);
        const schemes = (c.strides === 1 ? [WINOGRAD_SCHEMES.f2, WINOGRAD_SCHEMES.f4] : [WINOGRAD_SCHEMES.p2, WINOGRAD_SCHEMES.p4]).filter((sch) => g.OH % sch.m === 0 && g.OW % sch.m === 0);
        const p = problem(c, 110 + k);
        for (const sch of schemes) {
          for (const floats of [keepFloats, 1]) {
            chunkSettings.floats = floats;
            for (const clip of [true, false]) {
              inputGradSettings.clipTiles = clip;
              const dx = (lazy: boolean): Float32Array[] => {
                inputGradSettings.lazyZero = lazy;
                inputGradSettings.poison = lazy;
                const one = wasm((b, t) => inputGradViaWinograd(t.dy, t.w, g, b, sch), p.tensors);
                let both: { dx: { dataId: object }; dw: { dataId: object } } | null = null;
                const dw = wasm((b, t) => (both = gradsViaWinograd(t.x, t.dy, t.w, g, b, sch)).dw, p.tensors);
                const backend = tf.backend() as unknown as BackendWasm;
                const shared = (backend.readSync(both!.dx.dataId) as Float32Array).slice();
                backend.disposeData(both!.dx.dataId);
                return [one, shared, dw];
              };
              const lazy = dx(true);
              const upFront = dx(false);
              lazy.forEach((v, i) => expect(Array.from(v), `x [${c.x}] ${sch.name} chunk ${floats} clip ${clip} output ${i}`).toEqual(Array.from(upFront[i])));
              expect(lazy[0].some((v) => Number.isNaN(v))).toBe(false);
              ran++;
            }
          }
        }
      }
    } finally {
      chunkSettings.floats = keepFloats;
      Object.assign(inputGradSettings, { clipTiles: true, lazyZero: true, poison: false });
    }
    expect(ran).toBeGreaterThan(20);
  });

  it('both gradients in one pass (gradsViaWinograd) equal the filter and input gradient passes bit for bit', () => {
    const shapes: Case[] = [...cases, { x: [2, 48, 48, 16], co: 32, strides: 2, pad: 'same' }, { x: [3, 24, 24, 32], co: 32, strides: 2, pad: 'same' }];
    let ran = 0;
    for (const c of shapes) {
      const g = geometry(c);
      const sch = sharedGradScheme(g);
      if (sch == null) continue;
      ran++;
      const p = problem(c, 41);
      const run = passes(p, sch);
      const dw = run.dw();
      const dx = run.dx();
      let both: { dx: { dataId: object }; dw: { dataId: object } } | null = null;
      const gotDw = wasm((b, t) => (both = gradsViaWinograd(t.x, t.dy, t.w, g, b, sch)).dw, p.tensors);
      const backend = tf.backend() as unknown as BackendWasm;
      const gotDx = (backend.readSync(both!.dx.dataId) as Float32Array).slice();
      backend.disposeData(both!.dx.dataId);
      expect(Array.from(gotDw), `x [${c.x}] ${sch.name} dw`).toEqual(Array.from(dw));
      expect(Array.from(gotDx), `x [${c.x}] ${sch.name} dx`).toEqual(Array.from(dx));
    }
    expect(ran).toBeGreaterThan(6);
  });

  it('factored F(4×4) and p4 tile transforms (shared sums) give the plain transforms\' results', () => {
    for (const [c, sch] of [[{ x: [3, 8, 12, 16], co: 16, strides: 1, pad: 'same' }, WINOGRAD_SCHEMES.f4], [{ x: [3, 16, 24, 16], co: 16, strides: 2, pad: 'same' }, WINOGRAD_SCHEMES.p4]] as [Case, WinogradScheme][]) {
      const run = passes(problem(c, 21), sch);
      const all = (): Float32Array[] => [run.y(), run.dw(), run.dx()];
      expect(transformSettings.factored).toBe(true);
      const factored = all();
      transformSettings.factored = false;
      const plain = all();
      transformSettings.factored = true;
      factored.forEach((v, i) => expect(relDiff(v, plain[i]), `${sch.name} pass ${i}`).toBeLessThan(1e-5)); // rounding order only (m = 4 vs cpu: 2e-5)
    }
  });

  it('copy columns (output columns that pick one input column, read in the column pass) give bit for bit the transforms through the row sums', () => {
    const shapes: Case[] = [...cases, { x: [2, 48, 48, 16], co: 32, strides: 2, pad: 'same' }, { x: [2, 24, 24, 32], co: 32, strides: 2, pad: 'same' }];
    let ran = 0;
    for (const [k, c] of shapes.entries()) {
      const g = geometry(c);
      const schemes = (c.strides === 1 ? [WINOGRAD_SCHEMES.f2, WINOGRAD_SCHEMES.f4] : [WINOGRAD_SCHEMES.p2, WINOGRAD_SCHEMES.p4]).filter((sch) => g.OH % sch.m === 0 && g.OW % sch.m === 0);
      const p = problem(c, 90 + k);
      for (const sch of schemes) {
        const run = passes(p, sch);
        const all = (): Float32Array[] => [run.y(), run.dw(), ...(g.CI % 8 === 0 ? [run.dx()] : [])];
        expect(transformSettings.copyColumns).toBe(true);
        const copied = all();
        transformSettings.copyColumns = false;
        let summed: Float32Array[];
        try {
          summed = all();
        } finally {
          transformSettings.copyColumns = true;
        }
        copied.forEach((v, i) => expect(Array.from(v), `x [${c.x}] ${sch.name} pass ${i}`).toEqual(Array.from(summed[i])));
        ran++;
      }
    }
    expect(ran).toBeGreaterThan(12);
  });

  it('row sums parked in the spent source (staged output, back and filter transforms) give bit for bit the transforms with them in locals', () => {
    const shapes: Case[] = [...cases, { x: [2, 48, 48, 16], co: 32, strides: 2, pad: 'same' }, { x: [2, 24, 24, 32], co: 32, strides: 2, pad: 'same' }];
    let ran = 0;
    for (const [k, c] of shapes.entries()) {
      const g = geometry(c);
      const schemes = (c.strides === 1 ? [WINOGRAD_SCHEMES.f2, WINOGRAD_SCHEMES.f4] : [WINOGRAD_SCHEMES.p2, WINOGRAD_SCHEMES.p4]).filter((sch) => g.OH % sch.m === 0 && g.OW % sch.m === 0);
      const p = problem(c, 50 + k);
      for (const sch of schemes) {
        const run = passes(p, sch);
        const all = (): Float32Array[] => [run.y(), run.dw(), ...(g.CI % 8 === 0 ? [run.dx()] : [])];
        expect(transformSettings.staged).toBe(true);
        const staged = all();
        transformSettings.staged = false;
        let locals: Float32Array[];
        try {
          locals = all();
        } finally {
          transformSettings.staged = true;
        }
        staged.forEach((v, i) => expect(Array.from(v), `x [${c.x}] ${sch.name} pass ${i}`).toEqual(Array.from(locals[i])));
        ran++;
      }
    }
    expect(ran).toBeGreaterThan(12);
  });

  it('pads the a² block stride to an odd number of cache lines, and any chunk size gives the same F(4×4) result', () => {
    for (const [Tc, C] of [[48, 16], [96, 16], [12, 32], [27, 64], [1, 4], [5, 12]]) {
      const s = xiStride(Tc, C);
      expect(s).toBeGreaterThanOrEqual(Tc * C * 4);
      expect(s % 64).toBe(0);
      expect((s / 64) % 2).toBe(1);
    }
    const c: Case = { x: [4, 12, 8, 16], co: 24, strides: 1, pad: 'same' };
    const run = passes(problem(c, 23), WINOGRAD_SCHEMES.f4);
    const all = (): Float32Array[] => [run.y(), run.dw(), run.dx()];
    const whole = all(); // one chunk
    const keep = chunkSettings.floats;
    chunkSettings.floats = 1; // one tile row per chunk
    const rows = all();
    chunkSettings.floats = keep;
    whole.forEach((v, i) => expect(relDiff(v, rows[i])).toBeLessThan(1e-6));
  });

  it('picks a scheme only where it applies', () => {
    const pick = (x: [number, number, number, number], f: [number, number, number, number], strides: number, pad: Pad, pass: 'forward' | 'filter' | 'input'): string | undefined =>
      winogradScheme(convGeometry(x, f, { strides, pad, dataFormat: 'NHWC' }, 'test'), pass)?.name;
    expect(pick([32, 12, 12, 32], [3, 3, 32, 64], 1, 'same', 'forward')).toBe(WINOGRAD_SCHEMES[winogradSettings.stride1].name);
    // stride 2, on by default: p4 in every pass, p2 where the output sides are not multiples of 4
    expect(pick([32, 48, 48, 16], [3, 3, 16, 32], 2, 'same', 'forward')).toBe(WINOGRAD_SCHEMES.p4.name);
    expect(pick([2, 12, 12, 8], [3, 3, 8, 8], 2, 'same', 'forward')).toBe(WINOGRAD_SCHEMES.p2.name); // 6×6 outputs
    expect(pick([32, 48, 48, 16], [3, 3, 16, 32], 2, 'same', 'filter')).toBe(WINOGRAD_SCHEMES.p4.name);
    expect(pick([32, 48, 48, 16], [3, 3, 16, 32], 2, 'same', 'input')).toBe(WINOGRAD_SCHEMES.p4.name);
    expect(pick([2, 12, 12, 8], [3, 3, 8, 8], 2, 'same', 'filter')).toBe(WINOGRAD_SCHEMES.p2.name); // 6×6 outputs
    const keep = { ...winogradSettings.stride2 };
    Object.assign(winogradSettings.stride2, { forward: false, filter: false, input: false });
    expect(pick([32, 48, 48, 16], [3, 3, 16, 32], 2, 'same', 'filter')).toBeUndefined();
    Object.assign(winogradSettings.stride2, keep);
    const minCI = winogradSettings.stride2InputMinCI;
    winogradSettings.stride2InputMinCI = 32;
    expect(pick([32, 48, 48, 16], [3, 3, 16, 32], 2, 'same', 'input')).toBeUndefined(); // CI < 32
    expect(pick([32, 24, 24, 32], [3, 3, 32, 32], 2, 'same', 'input')).toBe(WINOGRAD_SCHEMES.p4.name);
    winogradSettings.stride2InputMinCI = minCI;
    expect(pick([1, 6, 6, 8], [3, 3, 8, 8], 1, 'same', 'forward')).toBe(WINOGRAD_SCHEMES.f2.name); // 6 % 4 != 0
    expect(pick([1, 5, 5, 8], [3, 3, 8, 8], 1, 'same', 'forward')).toBeUndefined(); // odd output
    expect(pick([32, 96, 96, 3], [5, 5, 3, 16], 2, 'same', 'filter')).toBeUndefined(); // 5×5, CI 3
    expect(pick([1, 8, 8, 4], [3, 3, 4, 8], 1, 'same', 'input')).toBeUndefined(); // CI % 8 != 0
    expect(pick([1, 8, 8, 8], [3, 3, 8, 12], 1, 'same', 'forward')).toBeUndefined(); // CO % 8 != 0
    expect(pick([1, 9, 9, 8], [3, 3, 8, 8], 3, 'same', 'forward')).toBeUndefined(); // stride 3
  });

  it('does not leak heap buffers', () => {
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const before = backend.numDataIds();
    const run = passes(problem(cases[4], 3), WINOGRAD_SCHEMES.p2);
    run.y();
    run.dw();
    run.dx();
    expect(backend.numDataIds()).toBe(before);
  });
});
