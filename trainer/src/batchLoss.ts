// The behavior-cloning loss on one batch: per-element L1 or MSE between the
// predicted and demonstrated normalized action chunks, masked so steps padded
// past an episode's end do not count, averaged over real elements.
import * as tf from '@tensorflow/tfjs';
import type { Batch } from './data/BatchBuilder.ts';
import type { CameraSpec } from './policies/PolicyDefinition.ts';

/** Model inputs for a batch, in the order every policy's model declares them. */
export function batchInputs(batch: Batch, stateDim: number, cameras: CameraSpec[]): tf.Tensor[] {
  return [
    tf.tensor2d(batch.state, [batch.size, stateDim]),
    ...cameras.map((c) => tf.tensor4d(batch.images[c.name], [batch.size, ...c.shape])),
  ];
}

export function batchLoss(
  model: tf.LayersModel, inputs: tf.Tensor[], batch: Batch,
  opts: {
    horizon: number; actionDim: number; loss: 'mse' | 'l1'; training: boolean;
    /**
     * Divide the masked error sum by this instead of this batch's real
     * elements: a data-parallel step passes the whole batch's count to each
     * part, so the parts' losses and gradients add up to the whole batch's.
     */
    denominator?: number;
  },
): tf.Scalar {
  return tf.tidy(() => {
    const { horizon: H, actionDim: A } = opts;
    const pred = (model.apply(inputs, { training: opts.training }) as tf.Tensor).reshape([batch.size, H, A]);
    const target = tf.tensor3d(batch.target, [batch.size, H, A]);
    const mask = tf.tensor3d(batch.mask, [batch.size, H, 1]);
    const diff = pred.sub(target);
    const err = opts.loss === 'l1' ? diff.abs() : diff.square();
    return err.mul(mask).sum().div(opts.denominator ?? mask.sum().mul(A)) as tf.Scalar;
  });
}
