/**
 * What the server needs from recording: start and stop an episode, and the
 * state it broadcasts. Like `ControlPort`, a seam: the server never touches
 * the recorder or the disk itself, and server tests can pass a fake.
 * `CellRecording` implements it over `@cellkit/recorder`.
 */
import type { RecordedEpisode, RecordingMessage, RecordingProblem } from '../protocol/ServerMessage.ts';

/** The `recording` message without its op: what `status()` returns and `change` carries. */
export type RecordingStatus = Omit<RecordingMessage, 'op'>;

export interface RecordingStartRequest {
  /** A dataset NAME under the data folder (`DATASET_NAME_PATTERN`), never a path. */
  dataset: string;
  task: string;
  /** Who records (the client's name); stored in the episode. */
  operator?: string;
  notes?: string;
}

export interface RecordingStopRequest {
  outcome: 'success' | 'failure' | 'discard';
  notes?: string;
  /**
   * Spans training should leave out, on the cell's clock (joint sample stamps): set by
   * in-process callers (the scripted demo's deliberate mistakes), not by the protocol.
   */
  excluded?: { start: number; end: number; reason: string }[];
}

export interface RecordingEvents {
  /** The state changed (start, stop, fault, a new warning). */
  change: (status: RecordingStatus) => void;
  /** Recording stopped by itself (disk error or stall): the operator must be told. */
  fault: (problem: RecordingProblem) => void;
}

export interface RecordingPort {
  /** Resolves once the episode is open and streams are being captured. Rejects with a `RecordingError`. */
  start(request: RecordingStartRequest): Promise<RecordingStatus>;
  /** Resolves with the closed episode. Rejects with a `RecordingError` (state is idle either way). */
  stop(request: RecordingStopRequest): Promise<RecordedEpisode>;
  /** Live figures; cheap enough to poll at a few Hz. */
  status(): RecordingStatus;
  on<K extends keyof RecordingEvents>(event: K, listener: RecordingEvents[K]): () => void;
}

/** A refused or failed start/stop: `code` for programs, `message` with expected vs found, `tip` for the person. */
export class RecordingError extends Error {
  override name = 'RecordingError';
  readonly code: string;
  readonly tip: string;

  constructor(problem: { code: string; message: string; tip: string }, options?: { cause?: unknown }) {
    super(problem.message, options);
    this.code = problem.code;
    this.tip = problem.tip;
  }
}
