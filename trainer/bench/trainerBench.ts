// Trainer benchmark: training throughput and per-step inference latency of
// the `mlp` and `chunk` policies on this machine's backend (one thread, and two
// with a data-parallel gradient worker), plus our WASM conv gradient kernels
// against the backend's stock ones.
//
//   npx tsx trainer/bench/trainerBench.ts [--json] [--steps N] [--warmup W]
//   (N: measured chunk steps, default 16; W: chunk warm-up steps before them, default 48 —
//   V8 is still optimising the step's JavaScript for its first few dozen steps)
//
// chunk: 2 cameras 96×96×3, batch 32, default options (H = 10). Numbers are
// wall-clock on a possibly shared machine: run it on an idle one to compare.
import * as tf from '@tensorflow/tfjs';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/initBackend.ts';
import { replacedWasmKernels } from '../src/backend/registerWasmTrainingKernels.ts';
import { MemoryBundleStore } from '../src/bundle/BundleStore.ts';
import { PolicyRuntime } from '../src/bundle/PolicyRuntime.ts';
import { saveBundle } from '../src/bundle/saveBundle.ts';
import { workerGradientHelper } from '../src/node/workerGradientHelper.ts';
import type { GradientHelperFactory } from '../src/parallel/GradientHelper.ts';
import { syntheticData } from '../src/testing/syntheticData.ts';
import { train } from '../src/train.ts';
import type { TrainResult } from '../src/train.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const stepsArg = args.indexOf('--steps');
const chunkSteps = stepsArg >= 0 ? Number(args[stepsArg + 1]) : 16;
const warmupArg = args.indexOf('--warmup');
const chunkWarmup = warmupArg >= 0 ? Number(args[warmupArg + 1]) : 48;
const log = (...m: unknown[]): void => {
  if (!json) console.log(...m);
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Trains warm-up epochs of `steps` batches (at least `warmup` steps, at least one epoch), then 1 measured
 * epoch: samples per wall-clock second of the measured one, and per CPU-second of this process (all
 * threads) over it, which another job's load on the machine disturbs far less.
 */
async function trainThroughput(name: string, policy: string, data: ReturnType<typeof syntheticData>, steps: number, warmup: number, gradientHelper?: GradientHelperFactory): Promise<{ samplesPerSec: number; samplesPerCpuSec: number; result: TrainResult }> {
  const warmupEpochs = Math.max(1, Math.ceil(warmup / steps));
  // CPU time and wall time over the same window (end of the last warm-up epoch → end of the measured one): their ratio turns samples/s into samples per CPU-second.
  let start: { cpu: NodeJS.CpuUsage; wall: number } | null = null;
  let cpuPerWall = NaN;
  let measuredSteps = steps;
  const result = await train({
    data, policy, epochs: warmupEpochs + 1, batchSize: 32, stepsPerEpoch: steps, validationFraction: 0, seed: 1, earlyStoppingPatience: 0, gradientHelper,
    onProgress: (p) => {
      measuredSteps = p.steps; // fewer than asked when an epoch has fewer batches
      if (p.valLoss === undefined) return; // only the end-of-epoch reports
      if (p.epoch === warmupEpochs - 1) start = { cpu: process.cpuUsage(), wall: performance.now() };
      else if (p.epoch === warmupEpochs && start != null) {
        const cpu = process.cpuUsage(start.cpu);
        cpuPerWall = (cpu.user + cpu.system) / 1000 / (performance.now() - start.wall);
      }
    },
  });
  const samplesPerSec = result.history.samplesPerSec[warmupEpochs]!;
  const samplesPerCpuSec = samplesPerSec / cpuPerWall;
  log(`${name} training: ${samplesPerSec.toFixed(1)} samples/s, ${samplesPerCpuSec.toFixed(1)} samples per CPU-second (batch 32, ${measuredSteps} steps after ${warmupEpochs * measuredSteps} warm-up steps; includes batch assembly + augmentation)`);
  return { samplesPerSec, samplesPerCpuSec, result };
}

async function inferenceLatency(name: string, result: TrainResult, data: ReturnType<typeof syntheticData>, n: number): Promise<{ p50: number; p99: number; mean: number }> {
  const runtime = new PolicyRuntime({ manifest: await saveBundle(result, new MemoryBundleStore()), model: result.model });
  const ep = data.episodes[0];
  const S = data.stateNames.length;
  const times: number[] = [];
  for (let i = 0; i < n + 10; i++) {
    const t = i % ep.length;
    const images: Record<string, Uint8Array> = {};
    for (const [cam, [h, w]] of Object.entries(data.imageShapes ?? {})) images[cam] = ep.images![cam].subarray(t * h * w * 3, (t + 1) * h * w * 3);
    const start = performance.now();
    runtime.predict({ state: ep.states.subarray(t * S, (t + 1) * S), images });
    if (i >= 10) times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const out = { p50: percentile(times, 50), p99: percentile(times, 99), mean: times.reduce((a, b) => a + b, 0) / times.length };
  log(`${name} inference per step: p50 ${out.p50.toFixed(2)} ms, p99 ${out.p99.toFixed(2)} ms (${n} steps, batch 1, incl. normalization + ensembling)`);
  return out;
}

/** Our gradient kernels vs the backend's stock Conv2DBackpropInput on the chunk encoder's layer shapes. */
function kernelComparison(): Record<string, { oursMs: number; stockMs: number | null }>[] {
  const layers: [number, number, number, number, number][] = [[96, 3, 16, 5, 2], [48, 16, 32, 3, 2], [24, 32, 32, 3, 2], [12, 32, 64, 3, 1]];
  const rows: Record<string, { oursMs: number; stockMs: number | null }>[] = [];
  const backend = tf.backend();
  const time = (f: () => void): number => {
    f();
    const start = performance.now();
    for (let i = 0; i < 3; i++) f();
    return (performance.now() - start) / 3;
  };
  for (const [H, CI, CO, k, s] of layers) {
    tf.tidy(() => {
      const x = tf.randomNormal([32, H, H, CI]);
      const filter = tf.randomNormal([k, k, CI, CO]);
      const oh = Math.ceil(H / s);
      const dy = tf.randomNormal([32, oh, oh, CO]);
      const common = { strides: s, pad: 'same', dataFormat: 'NHWC' };
      const filterAttrs = { ...common, filterShape: [k, k, CI, CO] } as unknown as tf.NamedAttrMap;
      const inputAttrs = { ...common, inputShape: x.shape } as unknown as tf.NamedAttrMap;
      const oursF = time(() => (tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, filterAttrs) as tf.Tensor).dispose());
      const oursI = time(() => (tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, inputAttrs) as tf.Tensor).dispose());
      const stock = replacedWasmKernels.get('Conv2DBackpropInput');
      // It was unregistered before the backend started, so its wasm binding was never set up.
      stock?.setupFunc?.(backend);
      const stockI = stock == null ? null : time(() => {
        const out = (stock.kernelFunc as KernelFunc)({ inputs: { dy, filter }, backend, attrs: inputAttrs }) as TensorInfo;
        backend.disposeData(out.dataId);
      });
      const fwd = time(() => tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, s, 'same').dispose());
      const label = `${H}×${H}×${CI}→${CO} k${k} s${s}`;
      log(`  ${label}: forward ${fwd.toFixed(1)} ms | dW ours ${oursF.toFixed(1)} ms (stock: missing) | dX ours ${oursI.toFixed(1)} ms, stock ${stockI?.toFixed(1) ?? 'n/a'} ms`);
      rows.push({ [label]: { oursMs: oursI, stockMs: stockI }, [`${label} dW`]: { oursMs: oursF, stockMs: null } });
    });
  }
  return rows;
}

const backend = await initBackend({ prefer: 'node' });
log(`backend: ${backend.note}`);

const mlpData = syntheticData({ episodes: 20, length: 200 });
const mlp = await trainThroughput('mlp', 'mlp', mlpData, 100, 100);
const mlpLatency = await inferenceLatency('mlp', mlp.result, mlpData, 500);

const chunkData = syntheticData({ episodes: 4, length: 80, cameras: ['top', 'wrist'], imageSize: 96 });
const chunk = await trainThroughput('chunk', 'chunk', chunkData, chunkSteps, chunkWarmup);
const chunkLatency = await inferenceLatency('chunk', chunk.result, chunkData, 100);
// Data-parallel over 2 threads (this one + a gradient worker): compare with PyTorch on 2 threads.
// Not for mlp: its step is ~2 ms of per-op overhead, and the worker round trip
// made it 2.5× slower (measured).
const chunk2 = await trainThroughput('chunk, 2 threads (data-parallel: + 1 gradient worker)', 'chunk', chunkData, chunkSteps, chunkWarmup, workerGradientHelper());

let kernels: ReturnType<typeof kernelComparison> = [];
if (backend.name === 'wasm') {
  log('conv gradient kernels, batch 32 (chunk encoder layer shapes):');
  kernels = kernelComparison();
}

if (json) {
  console.log(JSON.stringify({
    backend,
    mlp: { trainSamplesPerSec: mlp.samplesPerSec, trainSamplesPerCpuSec: mlp.samplesPerCpuSec, inferenceMs: mlpLatency },
    chunk: {
      trainSamplesPerSec: chunk.samplesPerSec, trainSamplesPerCpuSec: chunk.samplesPerCpuSec, trainSamplesPerSec2Threads: chunk2.samplesPerSec,
      inferenceMs: chunkLatency, cameras: 2, imageSize: 96, batchSize: 32,
    },
    kernels,
  }, null, 2));
}
