// Both gradients of a convolution in one kernel call, for a layer whose input
// needs its gradient too (policies/chunk/convBiasReluOp.ts asks for it):
//
//   CellkitConv2DGrads  {x, dy, filter}, Conv2D attrs → [dx, dFilter]
//
// When the filter and the input gradient take the same Winograd scheme
// (the chunk encoder's 3×3 layers), one pass over the tile chunks computes
// both and transforms dy once (winogradConv.ts gradsViaWinograd), instead of
// once in each of Conv2DBackpropInput and Conv2DBackpropFilter. Otherwise it
// runs those two kernels. Results equal theirs bit for bit.
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { conv2dBackpropFilterWasm } from './conv2dBackpropFilterWasm.ts';
import { conv2dBackpropInputWasm } from './conv2dBackpropInputWasm.ts';
import { CONV2D_GRADS } from './kernelNames.ts';
import { spaceToDepthPlan } from './spaceToDepthConv.ts';
import { convGeometry, wasmMemory } from './wasmHeap.ts';
import { gradsViaWinograd, sharedGradScheme } from './winogradConv.ts';

interface Attrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** Benchmarks flip this for A/B (profileStep SHARED_GRADS=0): always the two separate kernels. */
export const conv2dGradsSettings = { shared: true };

function conv2dGrads(args: { inputs: { x: TensorInfo; dy: TensorInfo; filter: TensorInfo }; backend: BackendWasm; attrs: Attrs }): TensorInfo[] {
  const { inputs: { x, dy, filter }, backend, attrs } = args;
  const g = convGeometry(x.shape as [number, number, number, number], filter.shape as [number, number, number, number], attrs, CONV2D_GRADS);
  const sch = conv2dGradsSettings.shared && x.dtype === 'float32' && wasmMemory(backend) != null && spaceToDepthPlan(g, 'filter') == null ? sharedGradScheme(g) : null;
  if (sch != null) {
    const { dx, dw } = gradsViaWinograd(x, dy, filter, g, backend, sch);
    return [dx, dw];
  }
  const dx = (conv2dBackpropInputWasm.kernelFunc as KernelFunc)({ inputs: { dy, filter }, backend, attrs: { ...attrs, inputShape: x.shape } as never }) as TensorInfo;
  const dw = (conv2dBackpropFilterWasm.kernelFunc as KernelFunc)({ inputs: { x, dy }, backend, attrs: { ...attrs, filterShape: filter.shape } as never }) as TensorInfo;
  return [dx, dw];
}

export const conv2dGradsWasm: KernelConfig = {
  kernelName: CONV2D_GRADS,
  backendName: 'wasm',
  kernelFunc: conv2dGrads as unknown as KernelFunc,
};
