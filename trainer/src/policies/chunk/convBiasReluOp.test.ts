// The fused conv + bias + relu op (convBiasReluOp.ts): on wasm through our
// kernels (backend/convBiasReluWasm.ts), against tfjs's own conv2d, add and
// relu and their autodiff on the cpu backend — values and the gradients of x,
// filter and bias. And the layer hook: same class, config and weights as a
// stock conv2d layer, same outputs.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../backend/initBackend.ts';
import { conv2dGradsSettings } from '../../backend/conv2dGradsWasm.ts';
import { biasReluCounts, biasReluSettings } from '../../backend/convBiasReluWasm.ts';
import { CONV2D_GRADS, CONV_BIAS_RELU, RELU_BIAS_GRAD, RELU_CONV_GRADS } from '../../backend/kernelNames.ts';
import { clearPaddedInputs, paddedInputCount } from '../../backend/paddedInputCache.ts';
import { Rng } from '../../data/Rng.ts';
import { chunkSettings } from '../../backend/winogradConv.ts';
import { convBiasRelu, fuseConvBiasRelu, reluConvGradsSettings } from './convBiasReluOp.ts';

interface Case { x: [number, number, number, number]; k: number; co: number; stride: number; pad: 'same' | 'valid' }

const cases: Case[] = [
  { x: [2, 9, 9, 3], k: 5, co: 16, stride: 2, pad: 'same' }, // the chunk encoder's first layer, small
  { x: [2, 6, 6, 16], k: 3, co: 32, stride: 2, pad: 'same' },
  { x: [3, 5, 5, 8], k: 3, co: 8, stride: 1, pad: 'same' },
  { x: [2, 7, 6, 4], k: 3, co: 12, stride: 1, pad: 'valid' }, // CO % 8 != 0: the stock Conv2D under our bias + relu
  { x: [2, 5, 5, 4], k: 3, co: 6, stride: 1, pad: 'same' }, // CO % 4 != 0: tfjs ops on wasm too
  // Layers whose forward takes the Winograd paths (the chunk encoder's, small):
  { x: [2, 16, 16, 3], k: 5, co: 16, stride: 2, pad: 'same' }, // first layer, space-to-depth F(4×4)
  { x: [2, 16, 16, 16], k: 3, co: 32, stride: 2, pad: 'same' }, // stride 2, polyphase p2
  { x: [2, 8, 8, 32], k: 3, co: 64, stride: 1, pad: 'same' }, // stride 1, F(4×4)
  { x: [1, 6, 10, 8], k: 3, co: 8, stride: 1, pad: 'same' }, // stride 1, F(2×2)
];

function values(n: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
}

interface Result { y: Float32Array; dx: Float32Array; dw: Float32Array; db: Float32Array; leaked: number }

async function run(backend: 'cpu' | 'wasm', c: Case, seed: number): Promise<Result> {
  await tf.setBackend(backend);
  const rng = new Rng(seed);
  const before = tf.memory().numTensors;
  const ci = c.x[3];
  const x = tf.tensor4d(values(c.x.reduce((a, b) => a * b, 1), rng), c.x);
  const w = tf.tensor4d(values(c.k * c.k * ci * c.co, rng), [c.k, c.k, ci, c.co]);
  // Biases around 0 so some outputs are cut by the relu and some are not.
  const b = tf.tensor1d(values(c.co, rng));
  const opts = { strides: [c.stride, c.stride] as [number, number], pad: c.pad };
  const y = tf.tidy(() => convBiasRelu(x, w, b, opts));
  // A weighted sum, so each output's gradient differs.
  const wy = tf.tensor(values(y.size, rng), y.shape);
  const [dx, dw, db] = tf.grads((xa: tf.Tensor, wa: tf.Tensor, ba: tf.Tensor) => convBiasRelu(xa as tf.Tensor4D, wa as tf.Tensor4D, ba as tf.Tensor1D, opts).mul(wy).sum())([x, w, b]);
  const out = { y: (await y.data()) as Float32Array, dx: (await dx.data()) as Float32Array, dw: (await dw.data()) as Float32Array, db: (await db.data()) as Float32Array };
  tf.dispose([x, w, b, y, wy, dx, dw, db]);
  return { ...out, leaked: tf.memory().numTensors - before };
}

function expectClose(got: Float32Array, want: Float32Array, what: string): void {
  expect(got.length, what).toBe(want.length);
  let worst = 0;
  const scale = Math.max(1, ...Array.from(want, Math.abs));
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  expect(worst / scale, `${what}: worst difference ${worst}`).toBeLessThan(1e-5);
}

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});
afterAll(async () => {
  await tf.setBackend('wasm');
});

describe('convBiasRelu', () => {
  it('runs our kernel on wasm', () => {
    expect(tf.getKernel(CONV_BIAS_RELU, 'wasm')).toBeDefined();
  });
  cases.forEach((c, i) => {
    it(`x [${c.x}], ${c.k}×${c.k}, CO ${c.co}, stride ${c.stride}, ${c.pad}: values and gradients equal tfjs ops on cpu`, async () => {
      const want = await run('cpu', c, i + 1);
      const got = await run('wasm', c, i + 1);
      expectClose(got.y, want.y, 'y');
      expect(Array.from(want.y).some((v) => v === 0) && Array.from(want.y).some((v) => v > 0)).toBe(true);
      expectClose(got.dx, want.dx, 'dx');
      expectClose(got.dw, want.dw, 'dfilter');
      expectClose(got.db, want.db, 'dbias');
      expect(got.leaked).toBe(0);
      expect(want.leaked).toBe(0);
    });
  });

  it('on the Winograd paths bias + relu in the output transform give bit for bit the separate pass over y (forward and gradients)', async () => {
    await tf.setBackend('wasm');
    // Space-to-depth first layer, stride 2 (p4 and p2), stride 1 (F(4×4) and F(2×2)), and the chunk's first two layers at full size.
    const winograd: Case[] = [cases[5], cases[6], cases[7], cases[8], { ...cases[6], x: [2, 24, 24, 16] }, { ...cases[5], x: [2, 96, 96, 3] }, { ...cases[6], x: [2, 48, 48, 16] }];
    for (const [i, c] of winograd.entries()) {
      const both = async (inTransform: boolean): Promise<Result> => {
        biasReluSettings.inTransform = inTransform;
        const before = { ...biasReluCounts };
        try {
          return await run('wasm', c, 60 + i);
        } finally {
          biasReluSettings.inTransform = true;
          // The forward (once outside, once under the tape) took the path asked for.
          expect(biasReluCounts.inTransform - before.inTransform, `x [${c.x}] fused calls`).toBe(inTransform ? 2 : 0);
          expect(biasReluCounts.separate - before.separate, `x [${c.x}] separate passes`).toBe(inTransform ? 0 : 2);
        }
      };
      const [fused, separate] = [await both(true), await both(false)];
      expect(Array.from(separate.y).some((v) => v === 0) && Array.from(separate.y).some((v) => v > 0)).toBe(true);
      for (const k of ['y', 'dx', 'dw', 'db'] as const) expect(Array.from(fused[k]), `x [${c.x}] ${k}`).toEqual(Array.from(separate[k]));
      expect(fused.leaked).toBe(0);
    }
  });

  it('under a tape the forward keeps its padded input (space-to-depth image) for the filter gradient, which takes it: the same gradient bit for bit as padding again; nothing kept without a tape', async () => {
    await tf.setBackend('wasm');
    clearPaddedInputs();
    // The chunk encoder's layer kinds, small: space-to-depth first layer, stride 2 (p2 forward, p4 filter gradient), stride 1 F(4×4).
    for (const c of [cases[5], cases[6], cases[7], { ...cases[6], x: [2, 24, 24, 16] as Case['x'] }]) {
      const rng = new Rng(11);
      const x = tf.tensor4d(values(c.x.reduce((a, b) => a * b, 1), rng), c.x);
      const w = tf.tensor4d(values(c.k * c.k * c.x[3] * c.co, rng), [c.k, c.k, c.x[3], c.co]);
      const b = tf.tensor1d(values(c.co, rng));
      const opts = { strides: [c.stride, c.stride] as [number, number], pad: c.pad };
      tf.tidy(() => convBiasRelu(x, w, b, opts)).dispose();
      expect(paddedInputCount(), 'kept without a tape').toBe(0);
      const grads = (clearAfterForward: boolean): { dw: tf.Tensor; dx: tf.Tensor; kept: number } => {
        let kept = -1;
        const [dx, dw] = tf.grads((xa: tf.Tensor, wa: tf.Tensor) => {
          const y = convBiasRelu(xa as tf.Tensor4D, wa as tf.Tensor4D, b, opts);
          kept = paddedInputCount();
          if (clearAfterForward) clearPaddedInputs();
          return y.square().sum();
        })([x, w]);
        return { dw, dx, kept };
      };
      const cached = grads(false);
      expect(cached.kept, `x [${c.x}]: kept by the forward`).toBe(1);
      expect(paddedInputCount(), 'left after the gradient').toBe(0);
      const fresh = grads(true);
      expect(Array.from(await cached.dw.data())).toEqual(Array.from(await fresh.dw.data()));
      expect(Array.from(await cached.dx.data())).toEqual(Array.from(await fresh.dx.data()));
      tf.dispose([x, w, b, cached.dw, cached.dx, fresh.dw, fresh.dx]);
    }
  });

  it('when x comes from a recorded op, both conv gradients come from one kernel call: equal to the separate kernels bit for bit, and to tfjs ops on cpu', async () => {
    const chunkLike: Case[] = [cases[5], cases[6], cases[7], { ...cases[6], x: [2, 24, 24, 32] }, cases[2], cases[3]];
    for (const [i, c] of chunkLike.entries()) {
      const grads = async (backend: 'cpu' | 'wasm'): Promise<{ out: Float32Array[]; kernels: string[] }> => {
        await tf.setBackend(backend);
        const rng = new Rng(40 + i);
        const x = tf.tensor4d(values(c.x.reduce((a, b) => a * b, 1), rng), c.x);
        const w = tf.tensor4d(values(c.k * c.k * c.x[3] * c.co, rng), [c.k, c.k, c.x[3], c.co]);
        const b = tf.tensor1d(values(c.co, rng));
        const opts = { strides: [c.stride, c.stride] as [number, number], pad: c.pad };
        let grads: tf.Tensor[] = [];
        // x · 1 is exact: the conv's input is the output of a recorded op.
        const profile = await tf.profile(() => {
          grads = tf.grads((xa: tf.Tensor, wa: tf.Tensor, ba: tf.Tensor) => convBiasRelu(xa.mul(1) as tf.Tensor4D, wa as tf.Tensor4D, ba as tf.Tensor1D, opts).square().sum())([x, w, b]);
          return grads;
        });
        const out = await Promise.all(grads.map(async (t) => (await t.data()) as Float32Array));
        tf.dispose([x, w, b, ...grads]);
        return { out, kernels: profile.kernels.map((k) => k.name) };
      };
      // This test is about CONV2D_GRADS: the relu/bias gradient as its own kernel (the one-call path has its own test).
      reluConvGradsSettings.enabled = false;
      const shared = await grads('wasm');
      conv2dGradsSettings.shared = false;
      const separate = await grads('wasm');
      conv2dGradsSettings.shared = true;
      reluConvGradsSettings.enabled = true;
      const want = await grads('cpu');
      await tf.setBackend('wasm');
      expect(shared.kernels, `x [${c.x}]`).toContain(CONV2D_GRADS);
      expect(shared.kernels).not.toContain('Conv2DBackpropInput');
      shared.out.forEach((v, k) => expect(Array.from(v), `x [${c.x}] gradient ${k}`).toEqual(Array.from(separate.out[k])));
      shared.out.forEach((v, k) => expectClose(v, want.out[k], `x [${c.x}] gradient ${k} vs cpu`));
    }
  });

  it('the relu/bias gradient made chunk by chunk inside the conv gradients (one RELU_CONV_GRADS call) gives bit for bit ReluBiasGrad + the gradient kernels: every path, x an input or a recorded op\'s output, one chunk or many', async () => {
    await tf.setBackend('wasm');
    // All cases (space-to-depth, p4/p2, F(4×4), F(2×2), and the fallbacks: CO % 8 != 0), plus the chunk's first two layers at full size.
    const all: Case[] = [...cases.filter((c) => c.co % 4 === 0), { ...cases[5], x: [2, 96, 96, 3] }, { ...cases[6], x: [2, 48, 48, 16] }, { ...cases[6], x: [2, 24, 24, 32] }];
    const keep = chunkSettings.floats;
    try {
      for (const [i, c] of all.entries()) {
        for (const recorded of [false, true]) {
          for (const floats of [keep, 3000]) {
            chunkSettings.floats = floats;
            const grads = async (oneCall: boolean): Promise<{ out: number[][]; kernels: string[] }> => {
              reluConvGradsSettings.enabled = oneCall;
              const rng = new Rng(80 + i);
              const x = tf.tensor4d(values(c.x.reduce((a, b) => a * b, 1), rng), c.x);
              const w = tf.tensor4d(values(c.k * c.k * c.x[3] * c.co, rng), [c.k, c.k, c.x[3], c.co]);
              const b = tf.tensor1d(values(c.co, rng));
              const opts = { strides: [c.stride, c.stride] as [number, number], pad: c.pad };
              // A weighted sum, so each output's gradient differs.
              const y0 = tf.tidy(() => convBiasRelu(x, w, b, opts));
              const wy = tf.tensor(values(y0.size, rng), y0.shape);
              y0.dispose();
              let grads: tf.Tensor[] = [];
              // Recorded: x · 1 is exact, and then the conv's input is the output of a recorded op (both conv gradients
              // in the call). Input: x gets no gradient (a model's image input), only the filter and the bias.
              const profile = await tf.profile(() => {
                grads = recorded
                  ? tf.grads((xa: tf.Tensor, wa: tf.Tensor, ba: tf.Tensor) => convBiasRelu(xa.mul(1) as tf.Tensor4D, wa as tf.Tensor4D, ba as tf.Tensor1D, opts).mul(wy).sum())([x, w, b])
                  : tf.grads((wa: tf.Tensor, ba: tf.Tensor) => convBiasRelu(x, wa as tf.Tensor4D, ba as tf.Tensor1D, opts).mul(wy).sum())([w, b]);
                return grads;
              });
              const out = await Promise.all(grads.map(async (t) => Array.from((await t.data()) as Float32Array)));
              tf.dispose([x, w, b, wy, ...grads]);
              return { out, kernels: profile.kernels.map((k) => k.name) };
            };
            const before = tf.memory().numTensors;
            const one = await grads(true);
            const two = await grads(false);
            reluConvGradsSettings.enabled = true;
            const what = `x [${c.x}] ${c.k}×${c.k} CO ${c.co} stride ${c.stride}, ${recorded ? 'recorded' : 'input'}, chunk ${floats}`;
            expect(one.kernels, what).toContain(RELU_CONV_GRADS);
            expect(one.kernels, what).not.toContain(RELU_BIAS_GRAD);
            expect(two.kernels, what).toContain(RELU_BIAS_GRAD);
            one.out.forEach((v, k) => expect(v, `${what}: gradient ${k}`).toEqual(two.out[k]));
            expect(tf.memory().numTensors, `${what}: tensors left`).toBe(before);
          }
        }
      }
    } finally {
      chunkSettings.floats = keep;
      reluConvGradsSettings.enabled = true;
    }
  });

  it('fuseConvBiasRelu: same class, config and weights as a stock conv2d layer; our kernel and the same gradients under a tape, the stock call in predict', async () => {
    await tf.setBackend('wasm');
    const make = (): tf.LayersModel => {
      const input = tf.input({ shape: [8, 8, 3] });
      const conv = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: 1 }), biasInitializer: tf.initializers.randomNormal({ seed: 2 }), name: 'c' });
      return tf.model({ inputs: input, outputs: conv.apply(input) as tf.SymbolicTensor });
    };
    const stock = make();
    const fused = make();
    fuseConvBiasRelu(fused.getLayer('c'));
    const [fl, sl] = [fused.getLayer('c'), stock.getLayer('c')];
    expect(fl.getClassName()).toBe(sl.getClassName());
    expect(fl.getConfig()).toEqual(sl.getConfig());
    expect(fl.weights.map((w) => [w.originalName, w.shape])).toEqual(sl.weights.map((w) => [w.originalName, w.shape]));
    const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 3);
    const loss = (m: tf.LayersModel) => (): tf.Scalar => (m.apply(x) as tf.Tensor).square().sum() as tf.Scalar;
    const a = tf.variableGrads(loss(stock), stock.trainableWeights.map((w) => w.read() as tf.Variable));
    const kernels: string[] = [];
    let b!: ReturnType<typeof tf.variableGrads>;
    const profile = await tf.profile(() => {
      b = tf.variableGrads(loss(fused), fused.trainableWeights.map((w) => w.read() as tf.Variable));
      return [b.value, ...Object.values(b.grads)];
    });
    kernels.push(...profile.kernels.map((k) => k.name));
    expect(kernels).toContain(CONV_BIAS_RELU);
    expect(kernels).not.toContain('Relu');
    expectClose((await b.value.data()) as Float32Array, (await a.value.data()) as Float32Array, 'loss');
    for (const [i, w] of stock.trainableWeights.entries()) {
      expectClose((await b.grads[(fused.trainableWeights[i].read() as tf.Variable).name].data()) as Float32Array, (await a.grads[(w.read() as tf.Variable).name].data()) as Float32Array, w.name);
    }
    // Without a tape (prediction) the layer's own call runs: bit for bit the stock layer.
    const [ps, pf] = [stock.predict(x) as tf.Tensor, fused.predict(x) as tf.Tensor];
    expect(Array.from(await pf.data())).toEqual(Array.from(await ps.data()));
    tf.dispose([x, ps, pf, a.value, b.value, ...Object.values(a.grads), ...Object.values(b.grads)]);
  });
});
