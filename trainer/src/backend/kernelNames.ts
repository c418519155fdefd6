// Names of the kernels we add (not replace) for the wasm backend, shared by
// the ops that run them and the backend that registers them. An op checks
// `getKernel(name, backend)` and falls back to tfjs ops when it is missing
// (other backends, or wasm without our kernels registered).

/** policies/chunk/spatialSoftmaxOp.ts; backend/spatialSoftmaxWasm.ts. */
export const SPATIAL_SOFTMAX = 'CellkitSpatialSoftmax';
export const SPATIAL_SOFTMAX_GRAD = 'CellkitSpatialSoftmaxGrad';

/** policies/chunk/convBiasReluOp.ts; backend/convBiasReluWasm.ts. */
export const CONV_BIAS_RELU = 'CellkitConvBiasRelu';
export const RELU_BIAS_GRAD = 'CellkitReluBiasGrad';
/** The filter and input gradients of one convolution in one call: policies/chunk/convBiasReluOp.ts; backend/conv2dGradsWasm.ts. */
export const CONV2D_GRADS = 'CellkitConv2DGrads';
/** ReluBiasGrad and the conv gradients in one call, dz made chunk by chunk: policies/chunk/convBiasReluOp.ts; backend/conv2dGradsWasm.ts. */
export const RELU_CONV_GRADS = 'CellkitReluConvGrads';
