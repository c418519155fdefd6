// The spatial softmax's forward and gradient as wasm kernels, run on the
// backend's heap by our SIMD module (spatialSoftmaxSimd.ts). The op that uses
// them, and the same maths in tfjs ops for other backends, is
// policies/chunk/spatialSoftmaxOp.ts.
//
//   SpatialSoftmax      {x [B,H,W,C], temperature [1]}          → [keypoints [B,2C], p [B,H·W,C]]
//   SpatialSoftmaxGrad  {dy [B,2C], p, keypoints, x, temperature} → [dx [B,H,W,C], dTemperature [1]]
//
// Needs C % 4 == 0; the op falls back to tfjs ops otherwise.
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { SPATIAL_SOFTMAX, SPATIAL_SOFTMAX_GRAD } from './kernelNames.ts';
import { spatialSoftmaxKernels } from './spatialSoftmaxSimd.ts';
import { allocF32, floatOffset, heapF32, wasmMemory } from './wasmHeap.ts';

function kernels(backend: BackendWasm, kernelName: string): ReturnType<typeof spatialSoftmaxKernels> {
  const memory = wasmMemory(backend);
  if (memory == null) throw new Error(`${kernelName} (wasm): expected the backend to export its WebAssembly.Memory, found none`);
  return spatialSoftmaxKernels(memory);
}

function shapeOf(x: TensorInfo, kernelName: string): { B: number; N: number; C: number } {
  const [B, H, W, C] = x.shape;
  if (x.shape.length !== 4 || C % 4 !== 0) throw new Error(`${kernelName} (wasm): expected x [B, H, W, C] with C % 4 == 0, found [${x.shape}]`);
  return { B, N: H * W, C };
}

/** The interleaved (X, Y) coordinates of the H·W pixels, in [−1, 1], as a fresh heap buffer (dispose it). */
function pixelGrid(backend: BackendWasm, h: number, w: number): TensorInfo {
  const grid = allocF32(backend, [h * w * 2]);
  const heap = heapF32(backend);
  let o = floatOffset(backend, grid);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      heap[o++] = w > 1 ? -1 + (2 * j) / (w - 1) : 0;
      heap[o++] = h > 1 ? -1 + (2 * i) / (h - 1) : 0;
    }
  }
  return grid;
}

function forward(args: { inputs: { x: TensorInfo; temperature: TensorInfo }; backend: BackendWasm }): TensorInfo[] {
  const { inputs: { x, temperature }, backend } = args;
  const { B, N, C } = shapeOf(x, SPATIAL_SOFTMAX);
  const keypoints = allocF32(backend, [B, 2 * C]);
  const p = allocF32(backend, [B, N, C]);
  const grid = pixelGrid(backend, x.shape[1], x.shape[2]);
  const invT = 1 / heapF32(backend)[floatOffset(backend, temperature)];
  kernels(backend, SPATIAL_SOFTMAX).forward(
    floatOffset(backend, x) * 4, floatOffset(backend, p) * 4, floatOffset(backend, keypoints) * 4, floatOffset(backend, grid) * 4, B, N, C / 4, invT,
  );
  backend.disposeData(grid.dataId);
  return [keypoints, p];
}

function backward(args: { inputs: { dy: TensorInfo; p: TensorInfo; keypoints: TensorInfo; x: TensorInfo; temperature: TensorInfo }; backend: BackendWasm }): TensorInfo[] {
  const { inputs: { dy, p, keypoints, x, temperature }, backend } = args;
  const { B, N, C } = shapeOf(x, SPATIAL_SOFTMAX_GRAD);
  const dx = allocF32(backend, x.shape);
  const dT = allocF32(backend, [1]);
  const partial = allocF32(backend, [4]);
  const grid = pixelGrid(backend, x.shape[1], x.shape[2]);
  const invT = 1 / heapF32(backend)[floatOffset(backend, temperature)];
  kernels(backend, SPATIAL_SOFTMAX_GRAD).backward(
    floatOffset(backend, dy) * 4, floatOffset(backend, p) * 4, floatOffset(backend, keypoints) * 4, floatOffset(backend, x) * 4,
    floatOffset(backend, dx) * 4, floatOffset(backend, grid) * 4, B, N, C / 4, invT, floatOffset(backend, partial) * 4,
  );
  // The logits are x·invT, so ∂/∂T = Σ dlogits · x · (−invT²).
  const heap = heapF32(backend);
  const s = floatOffset(backend, partial);
  heap[floatOffset(backend, dT)] = -(heap[s] + heap[s + 1] + heap[s + 2] + heap[s + 3]) * invT * invT;
  backend.disposeData(grid.dataId);
  backend.disposeData(partial.dataId);
  return [dx, dT];
}

export const spatialSoftmaxWasm: KernelConfig = {
  kernelName: SPATIAL_SOFTMAX,
  backendName: 'wasm',
  kernelFunc: forward as unknown as KernelFunc,
};

export const spatialSoftmaxGradWasm: KernelConfig = {
  kernelName: SPATIAL_SOFTMAX_GRAD,
  backendName: 'wasm',
  kernelFunc: backward as unknown as KernelFunc,
};
