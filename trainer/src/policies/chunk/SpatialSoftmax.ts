// Spatial softmax (Levine et al. 2016; robomimic): turns each feature map into
// one 2-D keypoint, the softmax-weighted mean pixel position. Input
// [B, H, W, C] → output [B, 2C] = [x_1 … x_C, y_1 … y_C], coordinates in
// [−1, 1] (x across columns, y down rows). A learned temperature sharpens or
// flattens the distributions.
//
// The softmax runs over axis 1 of a [B, H·W, C] view instead of transposing to
// channels-last-is-HW: tf.softmax only reduces the last axis, and a transpose
// costs a full copy forward and backward.
import * as tf from '@tensorflow/tfjs';

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
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const [b, h, w, c] = x.shape;
      const logits = x.reshape([b, h * w, c]).div(this.temperature!.read());
      // exp(l − max) / Σ exp(l − max): a numerically safe softmax over axis 1.
      // The max gets a zero gradient: softmax is shift-invariant, so its true
      // gradient terms cancel exactly, and tfjs' Max gradient (a broadcast
      // Equal) was the second most expensive kernel of a training step on wasm.
      const shifted = logits.sub(constantMax(logits));
      const e = shifted.exp();
      const p = e.div(e.sum(1, true));
      const [posX, posY] = pixelGrid(h, w);
      const kx = p.mul(posX).sum(1);
      const ky = p.mul(posY).sum(1);
      return tf.concat([kx, ky], 1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), temperature: this.initialTemperature, learnTemperature: this.learnTemperature };
  }
}

/** max over axis 1 (keepDims), treated as a constant by autodiff. */
const constantMax = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  return { value: x.max(1, true), gradFunc: (_dy: tf.Tensor, saved: tf.Tensor[]) => tf.zerosLike(saved[0]) };
}) as never) as (x: tf.Tensor) => tf.Tensor;

/** [1, H·W, 1] x and y coordinates of each flattened pixel, in [−1, 1]. */
function pixelGrid(h: number, w: number): [tf.Tensor, tf.Tensor] {
  const xs = new Float32Array(h * w);
  const ys = new Float32Array(h * w);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      xs[i * w + j] = w > 1 ? -1 + (2 * j) / (w - 1) : 0;
      ys[i * w + j] = h > 1 ? -1 + (2 * i) / (h - 1) : 0;
    }
  }
  return [tf.tensor3d(xs, [1, h * w, 1]), tf.tensor3d(ys, [1, h * w, 1])];
}

tf.serialization.registerClass(SpatialSoftmax);
