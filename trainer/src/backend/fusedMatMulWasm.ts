// _FusedMatMul (a · b + bias, then an activation) for the WASM backend, in
// front of the backend's own kernel. A dense layer without activation keeps
// this fused op under the gradient tape (the chunk policy's output layer,
// 32×512 · 512×70): XNNPACK packs the new weights on every training step and
// took ~0.3–1 ms for it (profileStep). Here: the same transposes as our
// BatchMatMul front, the product on our conv kernel (matMulViaSimd, N padded
// to a multiple of 8), and bias + linear/relu in one pass. Other activations,
// prelu weights, batched products or non-float32 go to the stock kernel.
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { matMulSettings, matMulViaSimd, transposeLast2 } from './batchMatMulWasm.ts';
import { wasmMemory } from './wasmHeap.ts';

interface Attrs { transposeA: boolean; transposeB: boolean; activation: string; leakyreluAlpha?: number }
type Args = { inputs: { a: TensorInfo; b: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo }; backend: BackendWasm; attrs: Attrs };

let stock: KernelConfig | null = null;
const setUp = new WeakSet<object>();

export function setStockFusedMatMul(config: KernelConfig): void {
  stock = config;
}

function stockFusedMatMul(args: Args): TensorInfo {
  if (stock == null) throw new Error("_FusedMatMul (wasm): expected the backend's own _FusedMatMul to be captured at registration, found none; call registerWasmTrainingKernels()");
  if (!setUp.has(args.backend)) {
    stock.setupFunc?.(args.backend);
    setUp.add(args.backend);
  }
  return (stock.kernelFunc as KernelFunc)(args as never) as TensorInfo;
}

function fusedMatMul(args: Args): TensorInfo {
  const { inputs: { a, b, bias, preluActivationWeights }, backend, attrs: { transposeA, transposeB, activation } } = args;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const M = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const K = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const N = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  const applies = matMulSettings.simd && a.dtype === 'float32' && b.dtype === 'float32' && preluActivationWeights == null
    && (activation === 'linear' || activation === 'relu') && (bias == null || (bias.shape.length === 1 && bias.shape[0] === N && bias.dtype === 'float32'))
    && a.shape.slice(0, -2).every((d) => d === 1) && b.shape.slice(0, -2).every((d) => d === 1) && wasmMemory(backend) != null;
  if (!applies) return stockFusedMatMul(args);
  const aa = transposeA ? transposeLast2(backend, a) : a;
  const bb = transposeB ? transposeLast2(backend, b) : b;
  const out = matMulViaSimd(backend, aa, bb, M, K, N, { bias: bias ?? null, relu: activation === 'relu' });
  if (aa !== a) backend.disposeData(aa.dataId);
  if (bb !== b) backend.disposeData(bb.dataId);
  out.shape = [...(ra >= rb ? a.shape : b.shape).slice(0, -2), M, N];
  return out;
}

export const fusedMatMulWasm: KernelConfig = {
  kernelName: '_FusedMatMul',
  backendName: 'wasm',
  kernelFunc: fusedMatMul as unknown as KernelFunc,
};
