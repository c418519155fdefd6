// Identity for the WASM backend without the copy. The stock kernel copies the
// whole buffer; tfjs runs Identity for every tensor it saves for the backward
// pass (clone), so a training step copied each saved activation once more
// (~3 ms of a chunk step, measured). Tensors are immutable, so, like the cpu
// backend's Identity and the wasm backend's own Reshape, we share the buffer
// and count a reference instead.
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** The backend's own Identity (still used for strings, which do not live on the heap). */
let stock: KernelConfig | null = null;

export function setStockIdentity(config: KernelConfig): void {
  stock = config;
}

function identity(args: { inputs: { x: TensorInfo }; backend: BackendWasm }): TensorInfo {
  const { inputs: { x }, backend } = args;
  if (x.dtype === 'string') {
    if (stock == null) throw new Error("Identity (wasm): expected the backend's own Identity to be captured at registration, found none; call registerWasmTrainingKernels()");
    return (stock.kernelFunc as KernelFunc)(args as never) as TensorInfo;
  }
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export const identityWasm: KernelConfig = {
  kernelName: 'Identity',
  backendName: 'wasm',
  kernelFunc: identity as unknown as KernelFunc,
};
