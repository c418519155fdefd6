import { resolve } from 'node:path';

import type { Dataset, EpisodeMeta } from '@cellkit/datasets';
import {
  Recorder,
  RecorderError,
  openOrCreateDataset,
  type NewDatasetInit,
  type QualityReport,
  type RecorderOptions,
  type RecorderProblem,
  type RecordingSource,
} from '@cellkit/recorder';

import type { CellDescription } from '../cell/Cell.ts';
import { TypedEmitter } from '../cell/TypedEmitter.ts';
import { DATASET_NAME_PATTERN, DATASET_NAME_TEXT } from '../protocol/ClientMessage.ts';
import type { RecordedEpisode, RecordingProblem, RecordingQuality } from '../protocol/ServerMessage.ts';
import {
  RecordingError,
  type RecordingEvents,
  type RecordingPort,
  type RecordingStartRequest,
  type RecordingStatus,
  type RecordingStopRequest,
} from './RecordingPort.ts';

export interface CellRecordingOptions {
  /** The cell's streams (a `CellRecordingSource` over the connection and controller). */
  source: RecordingSource;
  /** Robot profile, joint names, cameras and gripper of a new dataset. */
  cell: Pick<CellDescription, 'profile' | 'jointNames' | 'cameras' | 'hasGripper'>;
  /** Folder holding one subfolder per dataset, created on first use. Default `./data`. */
  dataDir?: string;
  /** Opens or creates a dataset folder; default `openOrCreateDataset`. Tests inject failing storage here. */
  openDataset?: (dir: string, init: NewDatasetInit) => Promise<Dataset>;
  /** Recorder tunables (lag bounds, chunk duration, …). */
  recorder?: Omit<RecorderOptions, 'source' | 'openDataset'>;
  /** Bridge clock, epoch s. Default `Date.now() / 1000`. */
  now?: () => number;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

type Session = { dataset: string; task: string; episode: number; startedAt: number };

/**
 * Recording as the bridge offers it: datasets by name under one data folder,
 * one episode at a time, its state as a `recording` message. A fault while
 * recording (a write error, a stalled disk) stops the episode by itself:
 * what was written stays on disk (recovered on the next open if the file
 * could not be closed), the state returns to idle, and the problem stays in
 * `status().problems` until the next start so the operator sees it.
 */
export class CellRecording implements RecordingPort {
  readonly recorder: Recorder;
  readonly dataDir: string;
  readonly #options: CellRecordingOptions;
  readonly #now: () => number;
  readonly #emitter = new TypedEmitter<RecordingEvents>();
  readonly #datasets = new Map<string, Promise<Dataset>>();
  #session?: Session;
  #busy = false;
  #stopping = false;
  #problems: RecordingProblem[] = [];
  #last?: RecordedEpisode;

  constructor(options: CellRecordingOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => Date.now() / 1000);
    this.dataDir = resolve(options.dataDir ?? 'data');
    this.recorder = new Recorder({ ...options.recorder, now: options.recorder?.now ?? this.#now, source: options.source, openDataset: (dir, init) => this.#open(dir, init) });
    this.recorder.on('problem', () => this.#emit());
    this.recorder.on('error', (problem) => this.#onFault(problem));
  }

  on<K extends keyof RecordingEvents>(event: K, listener: RecordingEvents[K]): () => void {
    return this.#emitter.on(event, listener);
  }

  /** The folder of dataset `name` (validated: a name, never a path). */
  datasetDir(name: string): string {
    if (typeof name !== 'string' || !DATASET_NAME_PATTERN.test(name)) {
      throw new RecordingError({
        code: 'invalid_dataset',
        message: `Dataset name: expected ${DATASET_NAME_TEXT}, found ${JSON.stringify(name)}`,
        tip: `Use a plain name such as "pick_cube"; datasets live in ${this.dataDir}.`,
      });
    }
    return resolve(this.dataDir, name);
  }

  async start(request: RecordingStartRequest): Promise<RecordingStatus> {
    const dir = this.datasetDir(request.dataset);
    if (this.#session || this.#busy) {
      const what = this.#session ? `recording episode ${this.#session.episode} of "${this.#session.dataset}"` : 'busy starting or stopping';
      throw new RecordingError({ code: 'busy', message: `Cannot start: expected the recorder idle, found it ${what}`, tip: 'Stop the current episode first.' });
    }
    this.#busy = true;
    try {
      const { cell } = this.#options;
      const meta = await this.recorder.start({
        dataset: dir,
        task: request.task,
        operator: request.operator,
        notes: request.notes,
        robotProfile: cell.profile,
        jointNames: cell.jointNames,
        cameras: cell.cameras,
        gripper: cell.hasGripper,
      });
      this.#problems = [];
      this.#session = { dataset: request.dataset, task: request.task, episode: meta.index, startedAt: this.#now() };
      this.#options.log?.('info', `recording episode ${meta.index} of ${request.dataset} (${request.task})`);
    } catch (error) {
      this.#datasets.delete(dir);
      throw toRecordingError(error);
    } finally {
      this.#busy = false;
    }
    this.#emit();
    return this.status();
  }

  async stop(request: RecordingStopRequest): Promise<RecordedEpisode> {
    const session = this.#session;
    if (!session || this.#stopping) {
      throw new RecordingError({
        code: 'not_recording',
        message: `Cannot stop: expected a recording in progress, found ${this.#stopping ? 'one already stopping' : 'none'}`,
        tip: this.#last?.error ? `The last episode was already stopped by a fault: ${this.#last.error}` : 'Start an episode first.',
      });
    }
    this.#stopping = true;
    this.#emit();
    try {
      const meta = await this.recorder.stop({ outcome: request.outcome, notes: request.notes, ...(request.excluded?.length ? { excluded: request.excluded } : {}) });
      this.#last = episodeOf(session, meta, this.#now());
      return this.#last;
    } catch (error) {
      const failed = toRecordingError(error);
      const meta = error instanceof RecorderError ? error.meta : undefined;
      this.#last = { ...episodeOf(session, meta, this.#now()), error: failed.message };
      if (error instanceof RecorderError && !this.#problems.some((p) => p.code === error.problem.code)) this.#problems.push(error.problem);
      // The Dataset object may hold an episode that never closed: reopen (and recover) on the next start.
      this.#datasets.delete(this.datasetDir(session.dataset));
      throw failed;
    } finally {
      this.#session = undefined;
      this.#stopping = false;
      this.#emit();
    }
  }

  status(): RecordingStatus {
    const session = this.#session;
    const s = this.recorder.status();
    const status: RecordingStatus = {
      state: session ? (this.#stopping ? 'stopping' : 'recording') : 'idle',
      problems: session ? s.problems.map(toProblem) : this.#problems.map(toProblem),
    };
    if (session) {
      status.dataset = session.dataset;
      status.task = session.task;
      status.episode = session.episode;
      status.startedAt = session.startedAt;
      status.elapsed = Math.max(0, this.#now() - session.startedAt);
      if (s.quality) status.quality = compactQuality(s.quality);
    }
    if (this.#last) status.last = { ...this.#last };
    return status;
  }

  async #open(dir: string, init: NewDatasetInit): Promise<Dataset> {
    let dataset = this.#datasets.get(dir);
    if (!dataset) {
      const open = this.#options.openDataset ?? ((d: string, i: NewDatasetInit) => openOrCreateDataset(d, i));
      dataset = open(dir, init);
      this.#datasets.set(dir, dataset);
      dataset.catch(() => this.#datasets.delete(dir));
    }
    return dataset;
  }

  #onFault(problem: RecorderProblem): void {
    this.#problems = [problem];
    this.#options.log?.('error', `recording: ${problem.message} — ${problem.tip}`);
    this.#emitter.emit('fault', toProblem(problem));
    // Stop at once: the recorder no longer listens, so the episode cannot go on.
    // `discard` keeps what was written out of training until someone looks at it.
    if (this.#session && !this.#stopping) {
      this.stop({ outcome: 'discard', notes: `stopped by a fault: ${problem.message}` }).catch(() => undefined);
    } else {
      this.#emit();
    }
  }

  #emit(): void {
    this.#emitter.emit('change', this.status());
  }
}

function toProblem(p: RecorderProblem): RecordingProblem {
  return { severity: p.severity, code: p.code, message: p.message, tip: p.tip };
}

function toRecordingError(error: unknown): RecordingError {
  if (error instanceof RecordingError) return error;
  if (error instanceof RecorderError) return new RecordingError(error.problem, { cause: error });
  return new RecordingError({ code: 'recording_failed', message: `Recording failed: ${(error as Error).message ?? String(error)}`, tip: 'Check the bridge log.' }, { cause: error });
}

function episodeOf(session: Session, meta: EpisodeMeta | undefined, now: number): RecordedEpisode {
  return {
    dataset: session.dataset,
    episode: meta?.index ?? session.episode,
    outcome: meta?.outcome ?? null,
    status: meta?.status ?? 'recording',
    duration: now - session.startedAt,
  };
}

/** The live report without the per-stream statistics a UI does not show. */
export function compactQuality(q: QualityReport): RecordingQuality {
  const streams: RecordingQuality['streams'] = {};
  for (const [name, s] of Object.entries(q.streams)) {
    streams[name] = {
      count: s.count,
      rate: s.effectiveRate ?? s.meanRate,
      nominal: s.nominalRate,
      drops: s.drops,
      missing: s.missing,
      skew: s.skew ? { ...s.skew } : null,
    };
    if (s.flag) streams[name]!.flag = s.flag;
  }
  return { flagged: q.flagged, flags: [...q.flags], streams };
}
