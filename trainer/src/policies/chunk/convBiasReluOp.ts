// relu(conv2d(x, filter) + bias) for training, as one op with its own
// gradient where the backend has our kernels (backend/convBiasReluWasm.ts).
//
// Under a gradient tape tfjs-core unfuses a conv layer's conv + bias + relu
// into Conv2D, Add and Relu; Relu's gradient is then Step + Cast + Multiply
// and Add's a Sum: ~3–4 ms of a chunk step on wasm beyond the convolutions.
// Here the forward is conv + one SIMD pass, and the backward one SIMD pass
// (dz = dy·(y > 0) and the bias gradient Σ dz) before the two convolution
// gradients, which run per input as tfjs's own Conv2D gradient does (so the
// image input still gets no input gradient) — or, when x is the output of a
// recorded op (its gradient will be asked for), both from one kernel call
// (backend/conv2dGradsWasm.ts: one pass over the Winograd tiles). Where the
// backend has it, the relu/bias pass and the conv gradients are one call
// (CellkitReluConvGrads): dz is made chunk by chunk inside the gradient pass,
// in cache when the dy transform reads it, bit for bit the same values.
//
// `fuseConvBiasRelu(layer)` makes a tf.layers.conv2d layer call this op while
// a gradient is being recorded (training steps). Without a tape (prediction,
// validation) it keeps the layer's own call — tfjs's FusedConv2D — so the
// trained model predicts bit for bit what its saved bundle predicts in
// PolicyRuntime. The layer's class name, config and weights are unchanged.
import * as tf from '@tensorflow/tfjs';
import { CONV2D_GRADS, CONV_BIAS_RELU, RELU_BIAS_GRAD, RELU_CONV_GRADS } from '../../backend/kernelNames.ts';

interface ConvAttrs {
  strides: [number, number];
  pad: 'same' | 'valid';
  dataFormat: 'NHWC';
  dilations: [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  /** Under a tape: the kernel may keep its padded input for the filter gradient (backend/paddedInputCache.ts). */
  keepPaddedInput?: boolean;
  /** x is the output of a recorded op, so its gradient will be asked for: both conv gradients in one kernel call. */
  xNeedsGrad?: boolean;
}

/** Benchmarks flip this for A/B (profileStep RELU_IN_GRADS=0): ReluBiasGrad, then the conv gradients on its dz, instead of the one RELU_CONV_GRADS call. */
export const reluConvGradsSettings = { enabled: true };

tf.registerGradient({
  kernelName: CONV_BIAS_RELU,
  inputsToSave: ['x', 'filter'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter, y] = saved;
    const { strides, pad, dataFormat, dimRoundingMode, xNeedsGrad } = attrs as unknown as ConvAttrs;
    const convAttrs = { strides, pad, dataFormat, dimRoundingMode };
    if (reluConvGradsSettings.enabled && tf.getKernel(RELU_CONV_GRADS, tf.getBackend()) != null) {
      // The relu/bias gradient and the conv gradients in one call (dz made chunk by chunk inside it).
      const inputGrad = xNeedsGrad === true;
      const out = tf.engine().runKernel(RELU_CONV_GRADS, { x, dy: dy as tf.Tensor, y, filter }, { ...convAttrs, inputGrad } as never) as tf.Tensor[];
      const [dx, dw, db] = inputGrad ? out : [null, ...out];
      return {
        // x's gradient when the tape asks for it after all (x was not a recorded op's output): from a whole dz.
        x: () => dx ?? tf.engine().runKernel('Conv2DBackpropInput', { dy: (tf.engine().runKernel(RELU_BIAS_GRAD, { dy: dy as tf.Tensor, y }, {}) as tf.Tensor[])[0], filter }, { ...convAttrs, inputShape: x.shape } as never) as tf.Tensor,
        filter: () => dw!,
        bias: () => db!,
      };
    }
    // Shared by the filter and bias gradients; the x gradient is skipped by the tape when x needs none.
    const [dz, db] = tf.engine().runKernel(RELU_BIAS_GRAD, { dy: dy as tf.Tensor, y }, {}) as tf.Tensor[];
    if (xNeedsGrad === true && tf.getKernel(CONV2D_GRADS, tf.getBackend()) != null) {
      // Both conv gradients in one call (they share the transformed dz on Winograd layers).
      const [dx, dw] = tf.engine().runKernel(CONV2D_GRADS, { x, dy: dz, filter }, { strides, pad, dataFormat, dimRoundingMode } as never) as tf.Tensor[];
      return { x: () => dx, filter: () => dw, bias: () => db };
    }
    return {
      x: () => tf.engine().runKernel('Conv2DBackpropInput', { dy: dz, filter }, { strides, pad, dataFormat, dimRoundingMode, inputShape: x.shape } as never) as tf.Tensor,
      filter: () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: dz }, { strides, pad, dataFormat, dimRoundingMode, filterShape: filter.shape } as never) as tf.Tensor,
      bias: () => db,
    };
  },
});

/** Whether the current backend runs the fused kernels for `c` output channels. */
function fused(c: number): boolean {
  const backend = tf.getBackend();
  return c % 4 === 0 && tf.getKernel(CONV_BIAS_RELU, backend) != null && tf.getKernel(RELU_BIAS_GRAD, backend) != null;
}

/** relu(conv2d(x, filter, strides, pad) + bias), NHWC, dilation 1. */
export function convBiasRelu(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D, opts: { strides: [number, number]; pad: 'same' | 'valid' }): tf.Tensor4D {
  if (!fused(filter.shape[3])) return tf.tidy(() => tf.relu(tf.add(tf.conv2d(x, filter, opts.strides, opts.pad), bias)) as tf.Tensor4D);
  const recording = recordingGradients();
  const attrs: ConvAttrs = {
    strides: opts.strides, pad: opts.pad, dataFormat: 'NHWC', dilations: [1, 1], keepPaddedInput: recording, xNeedsGrad: recording && recordedOutput(x),
  };
  return tf.engine().runKernel(CONV_BIAS_RELU, { x, filter, bias }, attrs as never) as tf.Tensor4D;
}

/** The fields of tfjs-layers' Conv2D that the fused call reads (not in its public typings). */
interface ConvLayerInternals {
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: object): tf.Tensor | tf.Tensor[];
  kernel: { read(): tf.Tensor } | null;
  bias: { read(): tf.Tensor } | null;
  strides: number[];
  padding: string;
  dataFormat: string;
  dilationRate: number[];
  activation: { getClassName(): string } | null;
}

/**
 * Whether `t` is the output of an op on the active tape, i.e. upstream of
 * something a gradient may flow to (a model input or a constant is not). A
 * wrong guess costs time, never correctness: x's gradient is computed either
 * way when the tape asks for it.
 */
function recordedOutput(t: tf.Tensor): boolean {
  const tape = (tf.engine().state as unknown as { activeTape: { outputs: tf.Tensor[] }[] | null }).activeTape;
  return tape != null && tape.some((node) => node.outputs.some((o) => o.id === t.id));
}

/** Whether a gradient tape is recording (tfjs-core's own test before it unfuses fused ops). */
function recordingGradients(): boolean {
  return (tf.engine().state as unknown as { gradientDepth: number }).gradientDepth > 0;
}

/**
 * Makes a tf.layers.conv2d layer with bias and relu compute through
 * `convBiasRelu` under a gradient tape when the backend has its kernels;
 * otherwise, and in any other configuration (no bias, another activation,
 * channels-first, dilation), it keeps the layer's own call.
 */
export function fuseConvBiasRelu(layer: tf.layers.Layer): void {
  const conv = layer as unknown as ConvLayerInternals;
  const own = conv.call.bind(conv);
  conv.call = (inputs, kwargs) => {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const applies = recordingGradients() && (Array.isArray(inputs) ? inputs.length === 1 : true) && x.rank === 4 && conv.kernel != null && conv.bias != null
      && conv.activation?.getClassName() === 'relu' && conv.dataFormat === 'channelsLast' && conv.dilationRate.every((d) => d === 1)
      && (conv.padding === 'same' || conv.padding === 'valid') && conv.strides.length === 2;
    if (!applies) return own(inputs, kwargs);
    const kernel = conv.kernel!.read() as tf.Tensor4D;
    const bias = conv.bias!.read() as tf.Tensor1D;
    return convBiasRelu(x as tf.Tensor4D, kernel, bias, { strides: conv.strides as [number, number], pad: conv.padding as 'same' | 'valid' });
  };
}
