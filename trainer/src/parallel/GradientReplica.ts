// A replica of the model that computes one part's gradients at given weights:
// what a gradient helper runs (in a worker thread, or in-process for tests).
import * as tf from '@tensorflow/tfjs';
import { batchInputs, batchLoss } from '../batchLoss.ts';
import { getPolicy } from '../policies/registry.ts';
import type { GradientHelper, GradientHelperSetup, GradientReply, GradientRequest } from './GradientHelper.ts';

export class GradientReplica {
  private readonly model: tf.LayersModel;
  private readonly variables: tf.Variable[];

  constructor(private readonly setup: GradientHelperSetup) {
    const def = getPolicy(setup.policy);
    // The seed does not matter: every request carries the weights.
    this.model = def.build(setup.io, setup.policyOptions as never, 0);
    this.variables = this.model.trainableWeights.map((w) => w.read() as tf.Variable);
    const shapes = this.variables.map((v) => v.shape);
    if (JSON.stringify(shapes) !== JSON.stringify(setup.variableShapes)) {
      throw new Error(`GradientReplica: expected variables ${JSON.stringify(setup.variableShapes)}, the replica of '${setup.policy}' has ${JSON.stringify(shapes)}`);
    }
  }

  gradients(req: GradientRequest): GradientReply {
    this.variables.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(req.weights[i], v.shape))));
    const inputs = batchInputs(req.batch, this.setup.io.stateDim, this.setup.io.cameras);
    const { value, grads } = tf.variableGrads(
      () => batchLoss(this.model, inputs, req.batch, { ...this.setup.loss, training: true, denominator: req.denominator }),
      this.variables,
    );
    const gradients = this.variables.map((v) => grads[v.name].dataSync() as Float32Array);
    const loss = value.dataSync()[0];
    tf.dispose([value, ...Object.values(grads), ...inputs]);
    return { gradients, loss };
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** A helper on this thread (no parallelism): the reference the threaded helper is tested against. */
export async function inProcessGradientHelper(setup: GradientHelperSetup): Promise<GradientHelper> {
  const replica = new GradientReplica(setup);
  return {
    gradients: async (req) => replica.gradients(req),
    close: async () => replica.dispose(),
  };
}
