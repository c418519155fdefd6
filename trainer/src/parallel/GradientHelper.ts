// Data-parallel training steps. A step splits its batch in two: this thread
// computes the gradient of its part while a helper (another thread with its
// own backend and a replica of the model, see node/workerGradientHelper.ts)
// computes the other part's at the same weights. Both parts divide by the
// whole batch's count of real elements, so their gradients add up to the
// whole batch's gradient: the same update as a single-thread step, up to
// float32 summation order. The optimizer runs here only.
import type { Batch } from '../data/BatchBuilder.ts';
import type { PolicyIO } from '../policies/PolicyDefinition.ts';

/** What a helper needs to build its replica of the model. */
export interface GradientHelperSetup {
  policy: string;
  /** Resolved policy options. */
  policyOptions: object;
  io: PolicyIO;
  /** Variable shapes in the model's trainable-weight order; the helper checks its replica against them. */
  variableShapes: number[][];
  loss: { horizon: number; actionDim: number; loss: 'mse' | 'l1' };
}

export interface GradientRequest {
  /** Current values of the trainable variables, in order. */
  weights: Float32Array[];
  /** The helper's part of the batch. */
  batch: Batch;
  /** Real elements (mask sum × action dim) of the whole batch. */
  denominator: number;
}

export interface GradientReply {
  /** d(loss part)/d(variable), in variable order. */
  gradients: Float32Array[];
  /** This part's share of the batch loss. */
  loss: number;
}

export interface GradientHelper {
  gradients(req: GradientRequest): Promise<GradientReply>;
  close(): Promise<void>;
}

/** Starts a helper for a model; train() calls it once per run. */
export type GradientHelperFactory = (setup: GradientHelperSetup) => Promise<GradientHelper>;

/** Samples [from, to) of a batch, as views (no copy) of its arrays. */
export function sliceBatch(batch: Batch, from: number, to: number): Batch {
  const per = (a: Float32Array): number => a.length / batch.size;
  const cut = (a: Float32Array): Float32Array => a.subarray(from * per(a), to * per(a));
  const images: Record<string, Float32Array> = {};
  for (const [cam, a] of Object.entries(batch.images)) images[cam] = cut(a);
  return { size: to - from, state: cut(batch.state), images, target: cut(batch.target), mask: cut(batch.mask) };
}

/** Real elements of a batch: Σ mask × action dim (the single-thread loss's denominator). */
export function batchDenominator(batch: Batch, actionDim: number): number {
  let sum = 0;
  for (let i = 0; i < batch.mask.length; i++) sum += batch.mask[i];
  return sum * actionDim;
}
