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
}

export class BatchBuilder {
  private readonly o: Required<BatchBuilderOptions>;

  constructor(opts: BatchBuilderOptions) {
    this.o = { shiftPad: 0, ...opts };
  }

  /** Builds one batch; `rng` drives augmentation and is required when shiftPad > 0. */
  build(refs: SampleRef[], rng?: Rng): Batch {
    const { data, normalization, horizon, cameras, shiftPad } = this.o;
    const S = data.stateNames.length;
    const A = data.actionNames.length;
    const B = refs.length;
    const state = new Float32Array(B * S);
    const target = new Float32Array(B * horizon * A);
    const mask = new Float32Array(B * horizon);
    const images: Record<string, Float32Array> = {};
    for (const cam of cameras) {
      const [h, w] = data.imageShapes![cam];
      images[cam] = new Float32Array(B * h * w * 3);
    }
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
    return { size: B, state, images, target, mask };
  }
}
