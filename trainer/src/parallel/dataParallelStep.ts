// One optimizer step with half of the batch's gradient computed by a helper
// (GradientHelper.ts explains the split and why the sum is the whole
// batch's gradient).
import * as tf from '@tensorflow/tfjs';
import { batchInputs, batchLoss } from '../batchLoss.ts';
import type { Batch } from '../data/BatchBuilder.ts';
import type { PolicyIO } from '../policies/PolicyDefinition.ts';
import { batchDenominator, sliceBatch } from './GradientHelper.ts';
import type { GradientHelper } from './GradientHelper.ts';

export interface DataParallelStepOptions {
  helper: GradientHelper;
  model: tf.LayersModel;
  variables: tf.Variable[];
  optimizer: tf.Optimizer;
  batch: Batch;
  io: PolicyIO;
  loss: { horizon: number; actionDim: number; loss: 'mse' | 'l1' };
}

/** Applies one step; returns the batch loss (as batchLoss over the whole batch would). */
export async function dataParallelStep(o: DataParallelStepOptions): Promise<number> {
  const { batch, variables } = o;
  const denominator = batchDenominator(batch, o.loss.actionDim);
  // This thread takes the larger half when the batch is odd; a 1-sample batch stays here.
  const mine = Math.ceil(batch.size / 2);
  const remote = mine < batch.size
    ? o.helper.gradients({ weights: variables.map((v) => v.dataSync() as Float32Array), batch: sliceBatch(batch, mine, batch.size), denominator })
    : null;
  const local = sliceBatch(batch, 0, mine);
  const inputs = batchInputs(local, o.io.stateDim, o.io.cameras);
  const { value, grads } = tf.variableGrads(() => batchLoss(o.model, inputs, local, { ...o.loss, training: true, denominator }), variables);
  tf.dispose(inputs);
  let loss = (await value.data())[0];
  value.dispose();
  let named: { name: string; tensor: tf.Tensor }[] = variables.map((v) => ({ name: v.name, tensor: grads[v.name] }));
  if (remote != null) {
    const reply = await remote;
    if (reply.gradients.length !== variables.length) {
      throw new Error(`dataParallelStep: expected ${variables.length} gradients from the helper, found ${reply.gradients.length}`);
    }
    loss += reply.loss;
    named = named.map(({ name, tensor }, i) => ({ name, tensor: tf.tidy(() => tensor.add(tf.tensor(reply.gradients[i], tensor.shape))) }));
  }
  o.optimizer.applyGradients(named);
  tf.dispose(Object.values(grads));
  tf.dispose(named.map((n) => n.tensor));
  return loss;
}
