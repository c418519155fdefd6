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
import { util } from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { conv2dBackpropFilterWasm } from './conv2dBackpropFilterWasm.ts';
import { conv2dBackpropInputWasm } from './conv2dBackpropInputWasm.ts';
import { reluBiasGradPass } from './convBiasReluWasm.ts';
import { CONV2D_GRADS, RELU_CONV_GRADS } from './kernelNames.ts';
import { filterGradViaSpaceToDepth, spaceToDepthPlan } from './spaceToDepthConv.ts';
import { allocF32, convGeometry, floatOffset, heapF32, wasmMemory } from './wasmHeap.ts';
import { filterGradViaWinograd, gradsViaWinograd, sharedGradScheme, winogradScheme } from './winogradConv.ts';
import type { ReluGrad } from './winogradConv.ts';

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

/**
 * A relu conv layer's backward in one call (convBiasReluOp.ts):
 * {x, dy, y, filter} → [dx, dw, db] (attrs.inputGrad) or [dw, db], where dy
 * is the gradient of y = relu(conv(x, filter) + b). On the Winograd paths
 * (the shared-gradient pass, the space-to-depth and Winograd filter
 * gradients) dz = dy·(y > 0) and db are made chunk by chunk inside the pass
 * (winogradConv.ts ReluGrad): dz's rows are in cache when the dy transform
 * reads them, and dz is never a whole tensor. Same values as ReluBiasGrad +
 * the gradient kernels, bit for bit. Elsewhere it runs those on a whole dz.
 */
function reluConvGrads(args: { inputs: { x: TensorInfo; dy: TensorInfo; y: TensorInfo; filter: TensorInfo }; backend: BackendWasm; attrs: Attrs & { inputGrad: boolean } }): TensorInfo[] {
  const { inputs: { x, dy, y, filter }, backend, attrs } = args;
  const g = convGeometry(x.shape as [number, number, number, number], filter.shape as [number, number, number, number], attrs, RELU_CONV_GRADS);
  if (g.CO % 4 !== 0 || dy.dtype !== 'float32' || y.dtype !== 'float32' || dy.shape.join() !== y.shape.join()) {
    throw new Error(`${RELU_CONV_GRADS} (wasm): expected float32 dy and y of one shape with channels % 4 == 0, found ${dy.dtype} [${dy.shape}], ${y.dtype} [${y.shape}]`);
  }
  const db = allocF32(backend, [g.CO]);
  heapF32(backend).fill(0, floatOffset(backend, db), floatOffset(backend, db) + g.CO);
  const relu: ReluGrad = { y, db, pass: reluBiasGradPass(backend) };
  const winograd = x.dtype === 'float32' && wasmMemory(backend) != null;
  if (attrs.inputGrad) {
    const sch = winograd && conv2dGradsSettings.shared && spaceToDepthPlan(g, 'filter') == null ? sharedGradScheme(g) : null;
    if (sch != null) {
      const { dx, dw } = gradsViaWinograd(x, dy, filter, g, backend, sch, relu);
      return [dx, dw, db];
    }
  } else if (winograd) {
    const s2d = spaceToDepthPlan(g, 'filter');
    if (s2d != null) return [filterGradViaSpaceToDepth(x, dy, g, backend, s2d.gs, s2d.sch, relu), db];
    const sch = winogradScheme(g, 'filter');
    if (sch != null) return [filterGradViaWinograd(x, dy, g, backend, sch, relu), db];
  }
  // Other layers: the whole dz, then the gradient kernels.
  const dz = allocF32(backend, y.shape);
  relu.pass(floatOffset(backend, dy) * 4, floatOffset(backend, y) * 4, floatOffset(backend, dz) * 4, floatOffset(backend, db) * 4, util.sizeFromShape(y.shape) / g.CO, g.CO / 4);
  const grads = attrs.inputGrad
    ? conv2dGrads({ inputs: { x, dy: dz, filter }, backend, attrs })
    : [(conv2dBackpropFilterWasm.kernelFunc as KernelFunc)({ inputs: { x, dy: dz }, backend, attrs: { ...attrs, filterShape: filter.shape } as never }) as TensorInfo];
  backend.disposeData(dz.dataId);
  return [...grads, db];
}

export const reluConvGradsWasm: KernelConfig = {
  kernelName: RELU_CONV_GRADS,
  backendName: 'wasm',
  kernelFunc: reluConvGrads as unknown as KernelFunc,
};
