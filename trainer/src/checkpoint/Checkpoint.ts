// Everything needed to continue training exactly where it stopped: model
// weights, optimizer state (Adam moments + iteration count), the completed
// epoch count, the RNG state (so shuffles and augmentations continue the same
// sequence) and the loss history. Stored through a small `CheckpointStore`
// seam so the loop itself does no I/O.
import type { Normalization } from '../data/Normalization.ts';
import type { RngState } from '../data/Rng.ts';
import type { EpisodeSplit } from '../data/splitEpisodes.ts';

export interface NamedArray {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

export interface TrainingHistory {
  /** Mean training loss per completed epoch. */
  trainLoss: number[];
  /** Validation loss per completed epoch (NaN when there is no validation split). */
  valLoss: number[];
  /** Epoch (0-based) with the lowest validation loss so far; −1 before the first. */
  bestEpoch: number;
  bestValLoss: number;
  /** Training samples per second, per epoch. */
  samplesPerSec: number[];
}

export interface Checkpoint {
  version: 1;
  policy: string;
  policyOptions: object;
  /** Epochs completed; training resumes at this epoch index. */
  epoch: number;
  /** Model weights in `model.weights` order. */
  weights: NamedArray[];
  /** Best-validation weights so far (restored at the end), null before any validation. */
  bestWeights: NamedArray[] | null;
  /** `optimizer.getWeights()`: iteration counter first, then per-variable slots. */
  optimizer: NamedArray[];
  rngState: RngState;
  history: TrainingHistory;
  normalization: Normalization;
  split: EpisodeSplit;
  /** Whether early stopping already triggered. */
  stopped: boolean;
}

export interface CheckpointStore {
  save(checkpoint: Checkpoint): Promise<void>;
  /** The latest checkpoint, or null when none was saved. */
  load(): Promise<Checkpoint | null>;
}

/** Keeps the latest checkpoint in memory (tests, short runs). */
export class MemoryCheckpointStore implements CheckpointStore {
  latest: Checkpoint | null = null;
  saves = 0;

  async save(checkpoint: Checkpoint): Promise<void> {
    this.latest = structuredClone(checkpoint);
    this.saves++;
  }

  async load(): Promise<Checkpoint | null> {
    return this.latest == null ? null : structuredClone(this.latest);
  }
}
