// Sum for the WASM backend, in front of the backend's own kernel. Training
// sums over leading or middle axes all the time: every conv bias gradient
// (dy summed over batch, rows, columns) and the spatial-softmax sums over
// pixels. The stock kernel first transposes the reduced axes innermost (a full
// copy) and then reduces with scalar code; for a contiguous run of axes that
// leaves an inner size divisible by 4 we sum in one SIMD pass instead
// (middleSum in filterGradSimd.ts). Other sums go to the stock kernel.
import { util } from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { gradKernels } from './filterGradSimd.ts';
import { allocF32, floatOffset, wasmMemory } from './wasmHeap.ts';

interface Attrs { axis: number | number[]; keepDims: boolean }
type Args = { inputs: { x: TensorInfo }; backend: BackendWasm; attrs: Attrs };

let stock: KernelConfig | null = null;
const setUp = new WeakSet<object>();

export function setStockSum(config: KernelConfig): void {
  stock = config;
}

function stockSum(args: Args): TensorInfo {
  if (stock == null) throw new Error("Sum (wasm): expected the backend's own Sum to be captured at registration, found none; call registerWasmTrainingKernels()");
  if (!setUp.has(args.backend)) {
    stock.setupFunc?.(args.backend);
    setUp.add(args.backend);
  }
  return (stock.kernelFunc as KernelFunc)(args as never) as TensorInfo;
}

function sum(args: Args): TensorInfo {
  const { inputs: { x }, backend, attrs } = args;
  const memory = wasmMemory(backend);
  const axes = util.parseAxisParam(attrs.axis, x.shape).sort((a, b) => a - b);
  const rank = x.shape.length;
  const contiguous = axes.length > 0 && axes.every((a, i) => a === axes[0] + i);
  const last = axes[axes.length - 1];
  const inner = contiguous ? util.sizeFromShape(x.shape.slice(last + 1)) : 0;
  if (memory == null || x.dtype !== 'float32' || !contiguous || last === rank - 1 || inner % 4 !== 0) return stockSum(args);
  const outer = util.sizeFromShape(x.shape.slice(0, axes[0]));
  const mid = util.sizeFromShape(axes.map((a) => x.shape[a]));
  const shape = attrs.keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
  const out = allocF32(backend, shape);
  gradKernels(memory).middleSum(floatOffset(backend, x) * 4, floatOffset(backend, out) * 4, outer, mid, inner / 4);
  return out;
}

export const sumWasm: KernelConfig = {
  kernelName: 'Sum',
  backendName: 'wasm',
  kernelFunc: sum as unknown as KernelFunc,
};
