/**
 * The IPC protocol between `TrainingJobs` (parent, in the bridge) and
 * `trainWorker` (the child that trains). Plain JSON-able objects.
 */
import type { RunSettings } from '@cellkit/trainer/node';

export type ParentMessage =
  | { type: 'start'; dataset: string; out: string; resume: boolean; settings: Partial<RunSettings> }
  /** Finish the epoch in progress (checkpointed), then stop. */
  | { type: 'stop' }
  /** Stop at the next step; the last finished epoch stays. */
  | { type: 'abort' };

export type WorkerMessage =
  | { type: 'reading'; done: number; total: number }
  /** The data is read; `settings` are the run's, resolved (defaults, or a resumed run's own). */
  | { type: 'data'; episodes: number[]; segments: number; frames: number; rate: number; epochs: number; policy: string; resumeFrom: number; settings: RunSettings }
  | {
      type: 'progress';
      /** 0-based. */
      epoch: number;
      epochs: number;
      step: number;
      steps: number;
      loss: number;
      /** Set (null without validation episodes) on the last report of an epoch. */
      valLoss?: number | null;
      samplesPerSec: number;
      etaSec: number;
    }
  | { type: 'done'; epochsRun: number; stoppedEarly: boolean; bestValLoss: number | null; samplesPerSec: number }
  | { type: 'stopped'; epochsDone: number }
  | { type: 'failed'; name: string; message: string };
