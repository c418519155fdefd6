// Where a training step's time goes, per kernel (tf.profile), for the bench's
// mlp and chunk configurations. Wall-clock on a possibly shared machine.
//
//   npx tsx trainer/bench/profileStep.ts [mlp|chunk] [--steps N]   (TOP=n rows; CPUPROF=file.cpuprofile;
//   FUSED_CONV=0: chunk's conv layers as Conv2D + Add + Relu, for A/B against convBiasReluOp.ts;
//   SIMD_MATMUL=0: XNNPACK BatchMatMul; S2D=0: direct first layer, for A/B against spaceToDepthConv.ts;
//   KEEP_PADDED=0: no padded-input reuse (paddedInputCache.ts); REUSE_BATCH=0: fresh batch arrays per step;
//   CLIP_TILES=0: input gradient through a padded buffer; FILTER_XI=0: unpadded U/dU block stride;
//   SHARED_GRADS=0: input and filter gradients in two passes; BIAS_RELU_IN_TRANSFORM=0: conv bias + relu as a pass over y;
//   RELU_IN_GRADS=0: the relu/bias gradient as its own kernel (ReluBiasGrad) before the conv gradients;
//   STAGED=0: Winograd output/back transforms with their row sums in locals (winogradSimd.ts); COPY_COLUMNS=0: copy columns through the row sums;
//   LAZY_ZERO=0: the Winograd input gradient's buffer zeroed up front; LAZY_PAD=0: the forward's padded copy of x filled up front;
//   LAZY_S2D=0: the first layer's space-to-depth image filled up front; CHUNK_FLOATS=n: Winograd tile-chunk size (floats);
//   WINOGRAD=0|f2: direct 3×3 convs, or F(2×2,3×3) for stride 1, for A/B against winogradConv.ts; WINOGRAD_S2 below)
import * as tf from '@tensorflow/tfjs';
import { matMulSettings } from '../src/backend/batchMatMulWasm.ts';
import { conv2dGradsSettings } from '../src/backend/conv2dGradsWasm.ts';
import { reluConvGradsSettings } from '../src/policies/chunk/convBiasReluOp.ts';
import { biasReluSettings } from '../src/backend/convBiasReluWasm.ts';
import { FusedAdamOptimizer } from '../src/backend/FusedAdamOptimizer.ts';
import { initBackend } from '../src/backend/initBackend.ts';
import { CONV_BIAS_RELU } from '../src/backend/kernelNames.ts';
import { paddedInputSettings } from '../src/backend/paddedInputCache.ts';
import { spaceToDepthSettings } from '../src/backend/spaceToDepthConv.ts';
import { chunkSettings, filterStrideSettings, inputGradSettings, padSettings, winogradSettings } from '../src/backend/winogradConv.ts';
import { transformSettings } from '../src/backend/winogradSimd.ts';
import { batchInputs, batchLoss } from '../src/batchLoss.ts';
import { BatchBuilder } from '../src/data/BatchBuilder.ts';
import { buildWindows } from '../src/data/buildWindows.ts';
import { computeStats } from '../src/data/Normalization.ts';
import { Rng } from '../src/data/Rng.ts';
import { cameraNames } from '../src/data/TrainingData.ts';
import { getPolicy } from '../src/policies/registry.ts';
import { syntheticData } from '../src/testing/syntheticData.ts';

const args = process.argv.slice(2);
const policy = args.find((a) => !a.startsWith('--')) ?? 'chunk';
const stepsArg = args.indexOf('--steps');
const steps = stepsArg >= 0 ? Number(args[stepsArg + 1]) : policy === 'mlp' ? 200 : 8;

console.log((await initBackend({ prefer: 'wasm' })).note);
if (process.env.FUSED_CONV === '0') tf.unregisterKernel(CONV_BIAS_RELU, 'wasm');
// WINOGRAD=0: the direct conv kernels only; WINOGRAD=f2: F(2×2,3×3) for stride 1 instead of F(4×4,3×3).
if (process.env.WINOGRAD === '0') winogradSettings.enabled = false;
if (process.env.WINOGRAD === 'f2') winogradSettings.stride1 = 'f2';
// S2D=0: the 5×5 stride-2 first layer on the direct kernels instead of Winograd on its space-to-depth image.
if (process.env.S2D === '0') spaceToDepthSettings.enabled = false;
// SIMD_MATMUL=0: plain BatchMatMul products on the backend's XNNPACK instead of our conv kernel (batchMatMulWasm.ts).
if (process.env.SIMD_MATMUL === '0') matMulSettings.simd = false;
// KEEP_PADDED=0: the filter gradient pads its input again instead of taking the forward's copy (paddedInputCache.ts).
if (process.env.KEEP_PADDED === '0') paddedInputSettings.enabled = false;
// CLIP_TILES=0: the Winograd input gradient accumulates into a padded buffer and copies dx out (winogradConv.ts inputGradSettings).
if (process.env.CLIP_TILES === '0') inputGradSettings.clipTiles = false;
// FILTER_XI=0: U / dU blocks CI·CO·4 bytes apart (aliasing in L1) instead of filterXiStride.
if (process.env.FILTER_XI === '0') filterStrideSettings.padded = false;
// SHARED_GRADS=0: a layer's input and filter gradients as two passes (each transforming dy) instead of one (conv2dGradsWasm.ts).
if (process.env.SHARED_GRADS === '0') conv2dGradsSettings.shared = false;
// BIAS_RELU_IN_TRANSFORM=0: the conv layers' bias + relu as a pass over y instead of in the Winograd output transform (convBiasReluWasm.ts).
if (process.env.BIAS_RELU_IN_TRANSFORM === '0') biasReluSettings.inTransform = false;
// RELU_IN_GRADS=0: ReluBiasGrad's whole dz, then the conv gradients, instead of one call making dz chunk by chunk (convBiasReluOp.ts).
if (process.env.RELU_IN_GRADS === '0') reluConvGradsSettings.enabled = false;
// STAGED=0: the Winograd output and back transforms keep their row sums in locals instead of the spent source (winogradSimd.ts).
if (process.env.STAGED === '0') transformSettings.staged = false;
// COPY_COLUMNS=0: tile transform output columns that pick one input column go through the row sums like the others (winogradSimd.ts).
if (process.env.COPY_COLUMNS === '0') transformSettings.copyColumns = false;
// LAZY_ZERO=0: the Winograd input gradient's buffer zeroed whole up front instead of row by row as its tiles reach them (winogradConv.ts).
if (process.env.LAZY_ZERO === '0') inputGradSettings.lazyZero = false;
// LAZY_PAD=0: the Winograd forward's zero-padded copy of x filled whole before the chunk loop instead of chunk by chunk (winogradConv.ts).
if (process.env.LAZY_PAD === '0') padSettings.lazy = false;
// LAZY_S2D=0: the first layer's space-to-depth image filled whole before the forward's chunk loop instead of chunk by chunk (spaceToDepthConv.ts).
if (process.env.LAZY_S2D === '0') spaceToDepthSettings.lazy = false;
// CHUNK_FLOATS=n: the Winograd convolutions' tile chunks hold n floats of V and M (winogradConv.ts CHUNK_FLOATS).
if (process.env.CHUNK_FLOATS != null) chunkSettings.floats = Number(process.env.CHUNK_FLOATS);
// WINOGRAD_S2=filter,forward,input (or none): the passes of stride-2 layers that use Winograd; WINOGRAD_S2_SCHEME=p2|p4 for all three passes.
if (process.env.WINOGRAD_S2 != null) for (const k of ['forward', 'filter', 'input'] as const) winogradSettings.stride2[k] = process.env.WINOGRAD_S2.split(',').includes(k);
const s2Scheme = process.env.WINOGRAD_S2_SCHEME;
if (s2Scheme === 'p2' || s2Scheme === 'p4') for (const k of ['forward', 'filter', 'input'] as const) winogradSettings.stride2Scheme[k] = s2Scheme;
const data = policy === 'mlp'
  ? syntheticData({ episodes: 20, length: 200 })
  : syntheticData({ episodes: 4, length: 80, cameras: ['top', 'wrist'], imageSize: 96 });
const def = getPolicy(policy);
const o = def.resolveOptions({});
const traits = def.traits(o);
const cameras = traits.usesImages ? cameraNames(data) : [];
const all = data.episodes.map((_, i) => i);
const normalization = {
  state: computeStats(data.episodes.map((e) => e.states), data.stateNames.length, data.stateNames),
  action: computeStats(data.episodes.map((e) => e.actions), data.actionNames.length, data.actionNames),
};
const io = { stateDim: data.stateNames.length, actionDim: data.actionNames.length, cameras: cameras.map((name) => ({ name, shape: data.imageShapes![name] })) };
const refs = buildWindows(data, all);
// As train() does; REUSE_BATCH=0: fresh batch arrays every step (for A/B of the GC they cause).
const builder = new BatchBuilder({ data, normalization, horizon: traits.horizon, cameras, shiftPad: traits.shiftPad, reuseBuffers: process.env.REUSE_BATCH !== '0' });
const rng = new Rng(3);
// One shuffle up front, then consecutive batches (train() shuffles once per epoch, not per step).
const order = rng.shuffle(refs.slice());
let cursor = 0;
const nextRefs = (): typeof refs => {
  if (cursor + 32 > order.length) cursor = 0;
  cursor += 32;
  return order.slice(cursor - 32, cursor);
};
const lossOpts = { horizon: traits.horizon, actionDim: io.actionDim, loss: traits.loss, training: true };

/** One training setup: a model, its optimizer and a step function like train()'s. */
function setup(): () => Promise<void> {
  const model = def.build(io, o, 1);
  // STOCK_ADAM=1: tf.train.adam instead of train()'s FusedAdamOptimizer.
  const optimizer = process.env.STOCK_ADAM ? tf.train.adam(1e-3) : new FusedAdamOptimizer(1e-3);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  return async () => {
    const t0 = performance.now();
    const batch = builder.build(nextRefs(), rng);
    buildMs += performance.now() - t0;
    const inputs = batchInputs(batch, io.stateDim, io.cameras);
    const loss = optimizer.minimize(() => batchLoss(model, inputs, batch, lossOpts), true, variables)!;
    await loss.data();
    tf.dispose([loss, ...inputs]);
  };
}
let buildMs = 0;
const step = setup();
for (let i = 0; i < 5; i++) await step();

/** Wall and process-CPU ms per step (CPU time is less disturbed by other work on a shared machine). */
async function timeSteps(f: () => Promise<void>, n: number): Promise<{ wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await f();
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / n, cpu: (c.user + c.system) / 1000 / n };
}

// Wall time without the profiler first.
buildMs = 0;
// CPUPROF=<file>: a V8 CPU profile of the timed steps (open in Chrome DevTools).
const inspector = process.env.CPUPROF ? new (await import('node:inspector')).Session() : null;
const post = (method: string, params?: object): Promise<unknown> => new Promise((resolve, reject) => inspector!.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));
if (inspector) {
  inspector.connect();
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: Number(process.env.CPUPROF_US ?? 100) });
  await post('Profiler.start');
}
const { wall, cpu } = await timeSteps(step, steps);
if (inspector) {
  const { profile } = await post('Profiler.stop') as { profile: object };
  (await import('node:fs')).writeFileSync(process.env.CPUPROF!, JSON.stringify(profile));
}
console.log(`${policy}: ${wall.toFixed(2)} ms/step wall (${(32000 / wall).toFixed(0)} samples/s), ${cpu.toFixed(2)} ms/step process CPU, batch build ${(buildMs / steps).toFixed(2)} ms/step`);

const agg = new Map<string, { ms: number; n: number }>();
const prof = await tf.profile(async () => {
  for (let i = 0; i < steps; i++) await step();
});
let kernelTotal = 0;
for (const k of prof.kernels) {
  const key = `${k.name} ${JSON.stringify(k.inputShapes)}`;
  const a = agg.get(key) ?? { ms: 0, n: 0 };
  a.ms += k.kernelTimeMs as number;
  a.n++;
  agg.set(key, a);
  kernelTotal += k.kernelTimeMs as number;
}
console.log(`kernels: ${prof.kernels.length / steps} per step, ${(kernelTotal / steps).toFixed(2)} ms/step inside kernels`);
const rows = [...agg.entries()].sort((a, b) => b[1].ms - a[1].ms);
for (const [key, a] of rows.slice(0, Number(process.env.TOP ?? 40))) console.log(`${(a.ms / steps).toFixed(3).padStart(8)} ms  x${(a.n / steps).toFixed(0).padStart(3)}  ${key}`);
const byName = new Map<string, number>();
for (const [key, a] of rows) byName.set(key.split(' ')[0], (byName.get(key.split(' ')[0]) ?? 0) + a.ms / steps);
console.log('by kernel:', [...byName.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', '));
