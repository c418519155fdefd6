// A training sample is (observation at step t, actions t … t+H−1). Near the
// end of an episode the window runs past the last step: it is padded with the
// last action (the robot holds still) and a mask marks the padding so the loss
// ignores it, as in ACT / Diffusion Policy.
import type { TrainingData } from './TrainingData.ts';

export interface SampleRef {
  episode: number;
  step: number;
}

/** Every (episode, step) of the given episodes, in order. */
export function buildWindows(data: TrainingData, episodes: number[]): SampleRef[] {
  const out: SampleRef[] = [];
  for (const e of episodes) {
    const ep = data.episodes[e];
    if (ep == null) throw new Error(`buildWindows: expected episode index < ${data.episodes.length}, found ${e}`);
    for (let t = 0; t < ep.length; t++) out.push({ episode: e, step: t });
  }
  return out;
}

/**
 * Writes the raw (un-normalized) H×A action target of `ref` at `target[offset]`
 * and its H-long validity mask at `mask[maskOffset]` (1 = real step, 0 = padding).
 */
export function actionWindow(
  data: TrainingData, ref: SampleRef, horizon: number,
  target: Float32Array, offset: number, mask: Float32Array, maskOffset: number,
): void {
  const A = data.actionNames.length;
  const ep = data.episodes[ref.episode];
  for (let h = 0; h < horizon; h++) {
    const t = Math.min(ref.step + h, ep.length - 1);
    target.set(ep.actions.subarray(t * A, (t + 1) * A), offset + h * A);
    mask[maskOffset + h] = ref.step + h < ep.length ? 1 : 0;
  }
}
