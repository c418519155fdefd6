// The contract every policy folder fulfils. A policy is registered under a
// name; the trainer, bundle and runtime only talk to this interface, so adding
// a policy never means branching on its name elsewhere.
import type * as tf from '@tensorflow/tfjs';

export interface CameraSpec {
  name: string;
  /** [height, width, 3] of the frames the model takes. */
  shape: [number, number, 3];
}

/** What the model reads and writes, derived from the data. */
export interface PolicyIO {
  stateDim: number;
  actionDim: number;
  /** Cameras in model-input order (after the state input). */
  cameras: CameraSpec[];
}

/** Training and inference facts every policy states about its resolved options. */
export interface PolicyTraits {
  /** Action steps predicted per call (1 = single-step). */
  horizon: number;
  /** Per-element loss on normalized actions. */
  loss: 'mse' | 'l1';
  /** Random-shift augmentation pad in pixels (0 = none). */
  shiftPad: number;
  /** ACT temporal-ensembling decay m (weights exp(−m·i)); null = use each chunk's first step. */
  ensembleM: number | null;
  /** Whether the model takes camera inputs. */
  usesImages: boolean;
}

export interface PolicyDefinition<O extends object = object> {
  name: string;
  description: string;
  /** Every option with its default. */
  defaults: O;
  /** Defaults overlaid with `opts`; throws on invalid values, naming the option. */
  resolveOptions(opts?: Partial<O>): O;
  traits(opts: O): PolicyTraits;
  /**
   * Builds an untrained model. Inputs: `state` [B, stateDim] then one
   * `image_<camera>` [B, h, w, 3] (floats in [0, 1]) per camera; output
   * [B, horizon·actionDim] of normalized actions, step-major.
   */
  build(io: PolicyIO, opts: O, seed: number): tf.LayersModel;
}

/** Input layer name of a camera; also the key used in bundles. */
export function imageInputName(camera: string): string {
  return `image_${camera}`;
}
