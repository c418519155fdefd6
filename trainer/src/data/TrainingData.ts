// The trainer's view of a dataset: aligned, fixed-rate episodes in memory.
// The datasets package reads episodes from disk; the CLI adapts them to this
// shape, so the trainer never touches the on-disk format.
import type { PolicyKinematics } from './derivedState.ts';

export interface EpisodeData {
  /** Row-major T×S, one row per step; column order = `stateNames`. SI units. */
  states: Float32Array;
  /** Row-major T×A; column order = `actionNames`. The command actually sent at each step. */
  actions: Float32Array;
  /** Camera name → T×H×W×3 RGB bytes, same step index as `states`. */
  images?: Record<string, Uint8Array>;
  /** Number of steps T. */
  length: number;
}

export interface TrainingData {
  episodes: EpisodeData[];
  stateNames: string[];
  actionNames: string[];
  /** Camera name → [height, width, 3]. Required when episodes carry images. */
  imageShapes?: Record<string, [number, number, 3]>;
  /** Steps per second the episodes were aligned to. */
  rate: number;
  /** Dataset identity, copied into the policy bundle. */
  datasetId?: string;
  /** Content hash of the dataset, copied into the policy bundle. */
  datasetHash?: string;
  /** Robot profile the data was recorded with (e.g. 'ur'). */
  robotProfile?: string;
  /** Joint names of the robot the data was recorded on. */
  jointNames?: string[];
  /** Arm model and tool point derived columns (tcp_pose / tcp_height state, twist actions) were computed with; absent when none are used. */
  kinematics?: PolicyKinematics;
}

/** Throws with an actionable message when `data` is inconsistent. */
export function validateTrainingData(data: TrainingData, cameras: string[] = []): void {
  const S = data.stateNames.length;
  const A = data.actionNames.length;
  if (data.episodes.length === 0) throw new Error('training data: expected at least 1 episode, found 0; record or select episodes first');
  if (!(data.rate > 0)) throw new Error(`training data: expected a positive rate in Hz, found ${data.rate}`);
  data.episodes.forEach((ep, i) => {
    if (!(ep.length > 0)) throw new Error(`training data: episode ${i} expected length > 0, found ${ep.length}; drop empty episodes`);
    if (ep.states.length !== ep.length * S) {
      throw new Error(`training data: episode ${i} states expected ${ep.length}×${S}=${ep.length * S} values, found ${ep.states.length}`);
    }
    if (ep.actions.length !== ep.length * A) {
      throw new Error(`training data: episode ${i} actions expected ${ep.length}×${A}=${ep.length * A} values, found ${ep.actions.length}`);
    }
    for (const cam of cameras) {
      const shape = data.imageShapes?.[cam];
      if (shape == null) throw new Error(`training data: expected imageShapes['${cam}'], found none; the policy needs camera '${cam}'`);
      const frames = ep.images?.[cam];
      const n = ep.length * shape[0] * shape[1] * 3;
      if (frames == null || frames.length !== n) {
        throw new Error(`training data: episode ${i} camera '${cam}' expected ${n} bytes (T×${shape.join('×')}), found ${frames?.length ?? 'none'}`);
      }
    }
  });
}

/** Camera names in a stable order (sorted), so model inputs never depend on key order. */
export function cameraNames(data: TrainingData): string[] {
  return Object.keys(data.imageShapes ?? {}).sort();
}
