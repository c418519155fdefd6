// BatchMatMul for the WASM backend, in front of the backend's own kernel. Its
// XNNPACK (SIMD) path only runs for plain a·b with batch 1; with transposeA or
// transposeB (every dense layer's gradients: dX = dY·Wᵀ, dW = Xᵀ·dY) it falls
// back to a scalar triple loop, 10–20× slower (measured: 0.9 ms vs ~0.1 ms for
// [32,256]·[256,256]ᵀ; that loop was half of an mlp training step). So we
// transpose the operand first (the backend's Transpose kernel, one cheap pass)
// and hand the plain product to the stock kernel. Same products, same sums:
// only the memory order of the operand changes.

import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { runWasmKernel } from './wasmHeap.ts';

interface Attrs { transposeA: boolean; transposeB: boolean }
type Args = { inputs: { a: TensorInfo; b: TensorInfo }; backend: BackendWasm; attrs: Attrs };

/** The backend's own BatchMatMul, captured when ours is registered. */
let stock: KernelConfig | null = null;
/** Backends whose stock kernel binding (setupFunc) has run: it was unregistered before the backend started. */
const setUp = new WeakSet<object>();

export function setStockBatchMatMul(config: KernelConfig): void {
  stock = config;
}

function stockMatMul(args: Args): TensorInfo {
  if (stock == null) throw new Error("BatchMatMul (wasm): expected the backend's own BatchMatMul to be captured at registration, found none; call registerWasmTrainingKernels()");
  if (!setUp.has(args.backend)) {
    stock.setupFunc?.(args.backend);
    setUp.add(args.backend);
  }
  return (stock.kernelFunc as KernelFunc)(args as never) as TensorInfo;
}

function transposeLast2(backend: BackendWasm, x: TensorInfo): TensorInfo {
  const r = x.shape.length;
  const perm = [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2];
  return runWasmKernel(backend, 'Transpose', { x }, { perm });
}

function batchMatMul(args: Args): TensorInfo {
  const { inputs: { a, b }, backend, attrs: { transposeA, transposeB } } = args;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const batched = a.shape.slice(0, -2).some((d) => d !== 1) || b.shape.slice(0, -2).some((d) => d !== 1);
  const M = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const K = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const N = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  // Floats copied (transposes) or packed (XNNPACK packs its right operand as
  // "weights" on every call where that tensor is new, which for training is
  // every call) in each orientation: a·b directly, or (bᵀ·aᵀ)ᵀ.
  const direct = (transposeA ? M * K : 0) + (transposeB ? K * N : 0) + K * N;
  const swapped = (transposeB ? 0 : K * N) + (transposeA ? 0 : M * K) + K * M + M * N;
  if (batched || direct <= swapped) {
    if (!transposeA && !transposeB) return stockMatMul(args);
    const aa = transposeA ? transposeLast2(backend, a) : a;
    const bb = transposeB ? transposeLast2(backend, b) : b;
    const out = stockMatMul({ inputs: { a: aa, b: bb }, backend, attrs: { transposeA: false, transposeB: false } });
    if (aa !== a) backend.disposeData(aa.dataId);
    if (bb !== b) backend.disposeData(bb.dataId);
    return out;
  }
  // outᵀ[N, M] = bᵀ[N, K] · aᵀ[K, M]: a stored transposed, or b stored transposed, is used as is.
  const bT = transposeB ? reshape2(b, [N, K]) : transposeLast2(backend, b);
  const aT = transposeA ? reshape2(a, [K, M]) : transposeLast2(backend, a);
  const outT = stockMatMul({ inputs: { a: reshape2(bT, [N, K]), b: reshape2(aT, [K, M]) }, backend, attrs: { transposeA: false, transposeB: false } });
  if (!transposeB) backend.disposeData(bT.dataId);
  if (!transposeA) backend.disposeData(aT.dataId);
  const out = runWasmKernel(backend, 'Transpose', { x: reshape2(outT, [N, M]) }, { perm: [1, 0] });
  backend.disposeData(outT.dataId);
  out.shape = [...(ra >= rb ? a.shape : b.shape).slice(0, -2), M, N];
  return out;
}

/** The same buffer seen with another shape (no copy, no new reference). */
function reshape2(t: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: t.dataId, shape, dtype: t.dtype };
}

export const batchMatMulWasm: KernelConfig = {
  kernelName: 'BatchMatMul',
  backendName: 'wasm',
  kernelFunc: batchMatMul as unknown as KernelFunc,
};

