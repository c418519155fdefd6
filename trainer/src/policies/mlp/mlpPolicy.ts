// `mlp`: normalized state (joint positions, velocities, gripper, wrench) →
// one action (joint velocities + gripper) through a few dense layers. The
// baseline: fast to train, no cameras, no chunking.
import * as tf from '@tensorflow/tfjs';
import type { PolicyDefinition, PolicyIO } from '../PolicyDefinition.ts';
import { overlayOptions, requirePositiveInts } from '../resolveOptions.ts';

export interface MlpOptions {
  /** Widths of the hidden layers. Default [256, 256]. */
  hiddenUnits: number[];
  /** Hidden activation. Default 'relu'. */
  activation: 'relu' | 'elu' | 'tanh';
  /** Dropout after each hidden layer, 0 = none. Default 0. */
  dropout: number;
  /** Loss on normalized actions. Default 'mse'. */
  loss: 'mse' | 'l1';
}

const defaults: MlpOptions = { hiddenUnits: [256, 256], activation: 'relu', dropout: 0, loss: 'mse' };

export const mlpPolicy: PolicyDefinition<MlpOptions> = {
  name: 'mlp',
  description: 'state → action, dense layers',
  defaults,
  resolveOptions(opts) {
    const o = overlayOptions('mlp', defaults, opts);
    requirePositiveInts('mlp', 'hiddenUnits', o.hiddenUnits, 1);
    if (!(o.dropout >= 0 && o.dropout < 1)) throw new Error(`policy 'mlp': option 'dropout' expected [0, 1), found ${o.dropout}`);
    return o;
  },
  traits: (o) => ({ horizon: 1, loss: o.loss, shiftPad: 0, ensembleM: null, usesImages: false }),
  build(io: PolicyIO, o: MlpOptions, seed: number) {
    const state = tf.input({ shape: [io.stateDim], name: 'state' });
    let x: tf.SymbolicTensor = state;
    o.hiddenUnits.forEach((units, i) => {
      x = tf.layers.dense({
        units, activation: o.activation, name: `hidden_${i}`,
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + i }),
      }).apply(x) as tf.SymbolicTensor;
      if (o.dropout > 0) x = tf.layers.dropout({ rate: o.dropout, seed: seed + 100 + i }).apply(x) as tf.SymbolicTensor;
    });
    const action = tf.layers.dense({
      units: io.actionDim, name: 'action',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 99 }),
    }).apply(x) as tf.SymbolicTensor;
    return tf.model({ inputs: state, outputs: action, name: 'mlp' });
  },
};
