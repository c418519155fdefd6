import type { Dataset, DatasetInfo, ExcludedSpan } from '@cellkit/datasets/core';

import type { QualityMonitorOptions, QualityReport } from './QualityMonitor.ts';
import type { RecorderProblem } from './RecorderError.ts';
import type { RecordingSource } from './RecordingSource.ts';

/** What `start()` needs to create a dataset folder that does not exist yet. */
export type NewDatasetInit = Omit<DatasetInfo, 'schemaVersion' | 'createdAt'>;

export type RecorderOptions = {
  source: RecordingSource;
  /** Opens or creates a dataset folder (see `openOrCreateDataset`); needed only when `start` gets a path. */
  openDataset?: (path: string, init: NewDatasetInit) => Promise<Dataset>;
  /** Clock for receive times of actions/events and for queue lag, epoch s. Default `Date.now() / 1000`. */
  now?: () => number;
  quality?: QualityMonitorOptions;
  /** Report a `disk_lag` warning once the writer is this many seconds behind. Default 1 s. */
  warnLag?: number;
  /** Stop recording (error `disk_stalled`) once the writer is this far behind. Default 10 s. */
  maxLag?: number;
  /** …or once the queue holds this many bytes. Default 256 MiB. */
  maxQueueBytes?: number;
  /** Messages handed to the writer per batch (its backpressure unit). Default 512. */
  batchSize?: number;
  /** …and at most about this many bytes per batch, so the writer never holds much beyond the bounded queue. Default 8 MiB. */
  batchBytes?: number;
  /** Close the open chunk (durability) after this long without messages, s. Default 0.5. */
  idleFlush?: number;
  /** Seconds of receive time per MCAP chunk; bounds what a crash loses. Default 0.5. */
  chunkDuration?: number;
};

export type CameraDecl = string | { name: string; width?: number; height?: number };

export type StartOptions = {
  /** A Dataset, or a folder path (opened, or created with features for this cell). */
  dataset: Dataset | string;
  task: string;
  operator?: string;
  notes?: string;
  /** Robot profile name, e.g. `ur`; the dataset's `robot`. */
  robotProfile: string;
  /** Arm joints, command order (no gripper). */
  jointNames: string[];
  cameras: CameraDecl[];
  /** Whether the cell has a gripper (features of a new dataset). Default: true once a joint sample carries one. */
  gripper?: boolean;
};

export type StopOptions = {
  /** `discard` keeps the file and marks the episode; training, stats and export skip it. */
  outcome: 'success' | 'failure' | 'discard';
  notes?: string;
  /** Spans training should leave out, on the streams' clock (EpisodeMeta.excluded). */
  excluded?: ExcludedSpan[];
  /**
   * Seconds to wait for the writer to drain what is queued. Past it, stop
   * rejects with `stop_timeout` and the episode is left `recording` (the next
   * Dataset.open recovers it). Default 120 s: a slow disk gets to finish, a
   * hung one does not hang the operator.
   */
  timeout?: number;
};

export type RecorderState = 'idle' | 'starting' | 'recording' | 'stopping' | 'failed';

export type RecorderStatus = {
  state: RecorderState;
  episode?: number;
  /** Queue between listeners and the writer. `lag`: age of the oldest queued message, s. */
  queue: { items: number; bytes: number; lag: number };
  written: number;
  /** Actions the connection did not send (`sent: false`), not recorded as actions. */
  unsent: number;
  problems: RecorderProblem[];
  quality: QualityReport | null;
  /** Cumulative seconds per phase of the write loop. */
  timing: { batches: number; take: number; write: number; observe: number; flush: number };
};
