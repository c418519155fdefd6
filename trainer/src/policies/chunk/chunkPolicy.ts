// `chunk`: state + camera images → the next H actions (an action chunk),
// ACT-like but small enough to train on a CPU core: per camera a small conv
// encoder ending in spatial-softmax keypoints, concatenated with the state,
// then an MLP head to H×A. At run time chunks are temporally ensembled.
import * as tf from '@tensorflow/tfjs';
import { imageInputName } from '../PolicyDefinition.ts';
import type { PolicyDefinition, PolicyIO } from '../PolicyDefinition.ts';
import { overlayOptions, requirePositiveInts } from '../resolveOptions.ts';
import { fuseConvBiasRelu } from './convBiasReluOp.ts';
import { SpatialSoftmax } from './SpatialSoftmax.ts';

export interface ChunkOptions {
  /** Chunk length H (action steps per prediction). Default 10. */
  horizon: number;
  /** Conv filters per layer. Default [16, 32, 32, 64]. */
  filters: number[];
  /** Square kernel size per layer. Default [5, 3, 3, 3]. */
  kernelSizes: number[];
  /**
   * Stride per layer; 96 px in → 12×12 keypoint maps. Default [2, 2, 2, 1]:
   * 2.0× the training throughput of [2, 2, 1, 1] (24×24 maps) on wasm,
   * measured; spatial softmax gives sub-pixel keypoints, and robomimic /
   * Diffusion Policy run it on even coarser (3×3) ResNet maps.
   */
  strides: number[];
  /** Widths of the MLP head. Default [512, 512]. */
  hiddenUnits: number[];
  /** Share one encoder across cameras instead of one per camera. Default false. */
  sharedEncoder: boolean;
  /** Loss on normalized actions; ACT uses L1. Default 'l1'. */
  loss: 'mse' | 'l1';
  /** Random-shift augmentation pad in pixels; 0 disables. Default 4. */
  shiftPad: number;
  /** Temporal-ensembling decay m (ACT: 0.01); null = use each chunk's first step. Default 0.01. */
  ensembleM: number | null;
}

const defaults: ChunkOptions = {
  horizon: 10,
  filters: [16, 32, 32, 64],
  kernelSizes: [5, 3, 3, 3],
  strides: [2, 2, 2, 1],
  hiddenUnits: [512, 512],
  sharedEncoder: false,
  loss: 'l1',
  shiftPad: 4,
  ensembleM: 0.01,
};

export const chunkPolicy: PolicyDefinition<ChunkOptions> = {
  name: 'chunk',
  description: 'state + cameras → H-step action chunk (CNN + spatial softmax + MLP), temporal ensembling',
  defaults,
  resolveOptions(opts) {
    const o = overlayOptions('chunk', defaults, opts);
    requirePositiveInts('chunk', 'horizon', [o.horizon], 1);
    requirePositiveInts('chunk', 'filters', o.filters, 1);
    requirePositiveInts('chunk', 'kernelSizes', o.kernelSizes, 1);
    requirePositiveInts('chunk', 'strides', o.strides, 1);
    requirePositiveInts('chunk', 'hiddenUnits', o.hiddenUnits);
    if (o.kernelSizes.length !== o.filters.length || o.strides.length !== o.filters.length) {
      throw new Error(`policy 'chunk': expected filters, kernelSizes and strides of equal length, found ${o.filters.length}, ${o.kernelSizes.length}, ${o.strides.length}`);
    }
    if (!(Number.isInteger(o.shiftPad) && o.shiftPad >= 0)) throw new Error(`policy 'chunk': option 'shiftPad' expected an integer ≥ 0, found ${o.shiftPad}`);
    return o;
  },
  traits: (o) => ({ horizon: o.horizon, loss: o.loss, shiftPad: o.shiftPad, ensembleM: o.ensembleM, usesImages: true }),
  build(io: PolicyIO, o: ChunkOptions, seed: number) {
    if (io.cameras.length === 0) throw new Error("policy 'chunk': expected at least one camera in the data, found none; use policy 'mlp' for state-only data");
    const state = tf.input({ shape: [io.stateDim], name: 'state' });
    const images = io.cameras.map((c) => tf.input({ shape: c.shape, name: imageInputName(c.name) }));
    let s = seed;
    const init = (): ReturnType<typeof tf.initializers.heNormal> => tf.initializers.heNormal({ seed: s++ });
    const makeEncoder = (tag: string): tf.layers.Layer[] => [
      ...o.filters.map((filters, i) => {
        const conv = tf.layers.conv2d({
          filters, kernelSize: o.kernelSizes[i], strides: o.strides[i], padding: 'same', activation: 'relu',
          kernelInitializer: init(), name: `${tag}_conv${i}`,
        });
        // Training speed only: same layer class, config and weights (convBiasReluOp.ts).
        fuseConvBiasRelu(conv);
        return conv;
      }),
      new SpatialSoftmax({ name: `${tag}_keypoints` }),
    ];
    const shared = o.sharedEncoder ? makeEncoder('encoder') : null;
    const features: tf.SymbolicTensor[] = [state];
    io.cameras.forEach((cam, i) => {
      const layers = shared ?? makeEncoder(`${cam.name}`);
      let x: tf.SymbolicTensor = images[i];
      for (const layer of layers) x = layer.apply(x) as tf.SymbolicTensor;
      features.push(x);
    });
    let h = tf.layers.concatenate({ name: 'features' }).apply(features) as tf.SymbolicTensor;
    o.hiddenUnits.forEach((units, i) => {
      h = tf.layers.dense({ units, activation: 'relu', kernelInitializer: init(), name: `head_${i}` }).apply(h) as tf.SymbolicTensor;
    });
    const chunk = tf.layers.dense({
      units: o.horizon * io.actionDim, name: 'chunk',
      kernelInitializer: tf.initializers.glorotUniform({ seed: s++ }),
    }).apply(h) as tf.SymbolicTensor;
    return tf.model({ inputs: [state, ...images], outputs: chunk, name: 'chunk' });
  },
};
