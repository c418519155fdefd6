// Assembles mini-batches as flat Float32Arrays (state, images, action targets,
// mask), normalized and augmented, ready to become tensors. Pure JS: no tfjs,
// so it is cheap to test and the same on every backend.
import { actionWindow } from './buildWindows.ts';
import type { SampleRef } from './buildWindows.ts';
import { normalizeInto } from './Normalization.ts';
import type { Normalization } from './Normalization.ts';
import { shiftedFrame } from './randomShift.ts';
import type { Rng } from './Rng.ts';
import type { TrainingData } from './TrainingData.ts';

export interface Batch {
  size: number;
  /** B×S normalized states. */
  state: Float32Array;
  /** Camera → B×H×W×3 floats in [0, 1]. */
  images: Record<string, Float32Array>;
  /** B×horizon×A normalized actions. */
  target: Float32Array;
  /** B×horizon, 1 for real steps, 0 for padding past the episode end. */
  mask: Float32Array;
}

export interface BatchBuilderOptions {
  data: TrainingData;
  normalization: Normalization;
  /** Action steps per sample (1 for single-step policies). */
  horizon: number;
  /** Cameras the policy reads, in model-input order. */
  cameras: string[];
  /** Random-shift pad in pixels; 0 disables augmentation. Default 0. */
  shiftPad?: number;
  /**
   * Return the same arrays from every build() of the same batch size,
   * overwritten by the next build (every element is rewritten), instead of
   * fresh ones. For loops that turn each batch into tensors before building
   * the next (train()): the chunk policy's fresh image arrays were ~7 MB of
   * new ArrayBuffers per step, and V8 answered that external-memory churn
   * with a full mark-compact (5–10 ms) every 4–5 steps. Default false.
   */
  reuseBuffers?: boolean;
}

export class BatchBuilder {
  private readonly o: Required<BatchBuilderOptions>;
  /** The arrays of the last build when reuseBuffers is set. */
  private reused: Batch | null = null;

  constructor(opts: BatchBuilderOptions) {
    this.o = { shiftPad: 0, reuseBuffers: false, ...opts };
  }

  /** Output arrays for a batch of B samples: fresh, or the reused ones. */
  private arrays(B: number): Batch {
    if (this.o.reuseBuffers && this.reused?.size === B) return this.reused;
    const { data, horizon, cameras } = this.o;
    const images: Record<string, Float32Array> = {};
    for (const cam of cameras) {
      const [h, w] = data.imageShapes![cam];
      images[cam] = new Float32Array(B * h * w * 3);
    }
    const batch: Batch = {
      size: B,
      state: new Float32Array(B * data.stateNames.length),
      images,
      target: new Float32Array(B * horizon * data.actionNames.length),
      mask: new Float32Array(B * horizon),
    };
    if (this.o.reuseBuffers) this.reused = batch;
    return batch;
  }

  /** Builds one batch; `rng` drives augmentation and is required when shiftPad > 0. */
  build(refs: SampleRef[], rng?: Rng): Batch {
    const { data, normalization, horizon, cameras, shiftPad } = this.o;
    const S = data.stateNames.length;
    const A = data.actionNames.length;
    const B = refs.length;
    const { state, images, target, mask } = this.arrays(B);
    refs.forEach((ref, b) => {
      const ep = data.episodes[ref.episode];
      normalizeInto(ep.states.subarray(ref.step * S, (ref.step + 1) * S), normalization.state, state, b * S);
      actionWindow(data, ref, horizon, target, b * horizon * A, mask, b * horizon);
      for (const cam of cameras) {
        const [h, w] = data.imageShapes![cam];
        let dx = 0;
        let dy = 0;
        if (shiftPad > 0) {
          if (rng == null) throw new Error('BatchBuilder: expected an rng for random-shift augmentation, found none');
          dx = rng.int(2 * shiftPad + 1) - shiftPad;
          dy = rng.int(2 * shiftPad + 1) - shiftPad;
        }
        shiftedFrame(ep.images![cam], ref.step, h, w, dx, dy, images[cam], b * h * w * 3);
      }
    });
    normalizeInto(target, normalization.action, target);
    return { size: B, state, images: { ...images }, target, mask };
  }
}
