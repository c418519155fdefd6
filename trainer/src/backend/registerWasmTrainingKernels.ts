// Installs the gradient kernels the WASM backend needs to train conv nets,
// and faster fronts for some of its own.
// Found empirically by training the `chunk` policy on wasm: only
// Conv2DBackpropFilter is missing (training throws "Kernel
// 'Conv2DBackpropFilter' not registered for backend 'wasm'"); every other
// gradient the policies use exists. Conv2DBackpropInput exists but is a
// scalar loop, 4–11× slower than ours on the chunk encoder's layers
// (trainer/bench/trainerBench.ts), so we replace it too. BatchMatMul gets a
// front that keeps transposed products on the backend's SIMD path
// (batchMatMulWasm.ts); Identity shares its input's buffer instead of copying
// it (identityWasm.ts); Sum over leading/middle axes is one SIMD pass
// (sumWasm.ts); _FusedMatMul (a dense layer without activation keeps it
// under the tape) runs on our SIMD product (fusedMatMulWasm.ts). Conv2D runs our SIMD kernel where it applies, 20–30% faster
// than XNNPACK's on the chunk encoder's layers (conv2dWasm.ts); a bias Add is
// one SIMD pass (addWasm.ts). Four kernels
// are new: the spatial softmax and its gradient (spatialSoftmaxWasm.ts),
// which policies/chunk/spatialSoftmaxOp.ts runs when they are registered, and
// a conv + bias + relu and its relu/bias gradient (convBiasReluWasm.ts), run
// by policies/chunk/convBiasReluOp.ts, with both conv gradients in one call
// (conv2dGradsWasm.ts).
// Idempotent.
import { getKernel, registerKernel, unregisterKernel } from '@tensorflow/tfjs';
import type { KernelConfig } from '@tensorflow/tfjs';
import { addWasm, setStockAdd } from './addWasm.ts';
import { batchMatMulWasm, setStockBatchMatMul } from './batchMatMulWasm.ts';
import { convBiasReluWasm, reluBiasGradWasm } from './convBiasReluWasm.ts';
import { conv2dBackpropFilterWasm } from './conv2dBackpropFilterWasm.ts';
import { conv2dBackpropInputWasm } from './conv2dBackpropInputWasm.ts';
import { conv2dGradsWasm, reluConvGradsWasm } from './conv2dGradsWasm.ts';
import { conv2dWasm, setStockConv2D } from './conv2dWasm.ts';
import { fusedMatMulWasm, setStockFusedMatMul } from './fusedMatMulWasm.ts';
import { identityWasm, setStockIdentity } from './identityWasm.ts';
import { spatialSoftmaxGradWasm, spatialSoftmaxWasm } from './spatialSoftmaxWasm.ts';
import { setStockSum, sumWasm } from './sumWasm.ts';

export const wasmTrainingKernels: readonly KernelConfig[] = [
  conv2dWasm, conv2dBackpropFilterWasm, conv2dBackpropInputWasm, batchMatMulWasm, identityWasm, sumWasm, addWasm,
  spatialSoftmaxWasm, spatialSoftmaxGradWasm, convBiasReluWasm, reluBiasGradWasm, fusedMatMulWasm, conv2dGradsWasm, reluConvGradsWasm,
];

/** The backend's own kernels we replaced, kept so benchmarks can compare against them. */
export const replacedWasmKernels = new Map<string, KernelConfig>();

/** Registers (or re-registers) our kernels for the 'wasm' backend; returns their names. */
export function registerWasmTrainingKernels(): string[] {
  for (const config of wasmTrainingKernels) {
    const existing = getKernel(config.kernelName, 'wasm');
    if (existing?.kernelFunc === config.kernelFunc) continue;
    if (existing != null) {
      replacedWasmKernels.set(config.kernelName, existing);
      if (config === conv2dWasm) setStockConv2D(existing);
      if (config === batchMatMulWasm) setStockBatchMatMul(existing);
      if (config === identityWasm) setStockIdentity(existing);
      if (config === sumWasm) setStockSum(existing);
      if (config === addWasm) setStockAdd(existing);
      if (config === fusedMatMulWasm) setStockFusedMatMul(existing);
      unregisterKernel(config.kernelName, 'wasm');
    }
    registerKernel(config);
  }
  return wasmTrainingKernels.map((k) => k.kernelName);
}
