// Spatial softmax (Levine et al. 2016; robomimic): turns each feature map into
// one 2-D keypoint, the softmax-weighted mean pixel position. Input
// [B, H, W, C] → output [B, 2C] = [x_1 … x_C, y_1 … y_C], coordinates in
// [−1, 1] (x across columns, y down rows). A learned temperature sharpens or
// flattens the distributions.
//
// The maths and its gradient are one op (spatialSoftmaxOp.ts): fused SIMD
// kernels on wasm, tfjs ops elsewhere.
import * as tf from '@tensorflow/tfjs';
import { spatialSoftmax } from './spatialSoftmaxOp.ts';

export interface SpatialSoftmaxArgs {
  /** Initial softmax temperature. Default 1. */
  temperature?: number;
  /** Whether the temperature is learned. Default true. */
  learnTemperature?: boolean;
  name?: string;
}

export class SpatialSoftmax extends tf.layers.Layer {
  static readonly className = 'SpatialSoftmax';
  private readonly initialTemperature: number;
  private readonly learnTemperature: boolean;
  private temperature: tf.LayerVariable | null = null;

  constructor(args: SpatialSoftmaxArgs = {}) {
    super({ name: args.name });
    this.initialTemperature = args.temperature ?? 1;
    this.learnTemperature = args.learnTemperature ?? true;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = inputShape as tf.Shape;
    if (shape.length !== 4) throw new Error(`SpatialSoftmax: expected a [B, H, W, C] input, found rank ${shape.length}`);
    this.temperature = this.addWeight('temperature', [1], 'float32', tf.initializers.constant({ value: this.initialTemperature }), undefined, this.learnTemperature);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = inputShape as tf.Shape;
    return [shape[0], 2 * (shape[3] as number)];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => spatialSoftmax((Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D, this.temperature!.read()));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), temperature: this.initialTemperature, learnTemperature: this.learnTemperature };
  }
}

tf.serialization.registerClass(SpatialSoftmax);
