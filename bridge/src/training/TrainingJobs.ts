/**
 * Training runs as background jobs, polled by id, one at a time. Each run is
 * a child process (`trainWorker.ts`) so the bridge's event loop — control
 * loop, safety layer, telemetry — never waits on a training step. The job
 * record here is the only state the REST API serves; it is updated from the
 * worker's IPC messages.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RunSettings } from '@cellkit/trainer/node';
import { HttpError } from '../server/HttpError.ts';
import type { PolicyOptions, TrainingJob, TrainingRunSettings } from './trainingApi.ts';
import type { ParentMessage, WorkerMessage } from './workerMessages.ts';

export interface StartJobOptions {
  name: string;
  /** Dataset name (for display) and its folder. */
  dataset: string;
  datasetDir: string;
  /** The policy folder: bundle, metrics.json, checkpoints. */
  out: string;
  policy: string;
  settings: Partial<RunSettings>;
  resume: boolean;
  /** Called once when the job has ended (done, stopped or failed) and its process is gone. */
  onEnd?: (job: TrainingJob) => Promise<void> | void;
}

export interface TrainingJobsOptions {
  now?: () => number;
  /** Finished jobs kept for polling. Default 50. */
  keep?: number;
  /** Node flags for the worker. Default: the tsx loader, so the worker runs from TypeScript sources like `cellkit`. */
  execArgv?: string[];
  /** How long `close()` lets a run reach its next step before killing it, ms. Default 10 000. */
  closeGraceMs?: number;
}

const WORKER_FILE = fileURLToPath(new URL('./trainWorker.ts', import.meta.url));
const STDERR_TAIL = 4000;

function tsxExecArgv(): string[] {
  const loader = createRequire(import.meta.url).resolve('tsx');
  return ['--import', pathToFileURL(loader).href];
}

/** What to do about a failure, in plain words, from the worker's error. */
export function tipForTraining(name: string, message: string): string {
  if (name === 'DatasetSelectionError') {
    if (/has no .* episodes/.test(message)) return 'Label good demonstrations as success on the Datasets page (only successes are learned from by default), or choose other outcomes under Advanced settings.';
    return 'Check the dataset on the Datasets page: keep complete episodes, discard broken ones, then start again.';
  }
  if (name === 'RunSettingsError') return 'Choose another name for this policy, or continue the stopped run instead.';
  if (/loss became/.test(message)) return 'Lower the learning rate under Advanced settings (for example 0.0003) and start again.';
  if (/ENOSPC/.test(message)) return 'The disk is full: free some space, then continue the run (the last finished epoch was saved).';
  if (/exited|killed|memory/i.test(message)) return 'Try smaller camera images or a smaller batch size under Advanced settings; if it keeps happening, run `cellkit train` on this dataset and share the output with your integrator.';
  return 'Try again; if it keeps failing, run `cellkit train` on this dataset and share the output with your integrator.';
}

interface Running {
  job: TrainingJob;
  child: ChildProcess;
  exited: Promise<void>;
}

export class TrainingJobs {
  #jobs = new Map<string, TrainingJob>();
  #active: Running | null = null;
  #now: () => number;
  #keep: number;
  #execArgv: string[];
  #closeGraceMs: number;

  constructor(opts: TrainingJobsOptions = {}) {
    this.#now = opts.now ?? (() => Date.now() / 1000);
    this.#keep = opts.keep ?? 50;
    this.#execArgv = opts.execArgv ?? tsxExecArgv();
    this.#closeGraceMs = opts.closeGraceMs ?? 10_000;
  }

  /** The policy folder name being trained now, if any. */
  get activeName(): string | null {
    return this.#active?.job.name ?? null;
  }

  get activeId(): string | null {
    return this.#active?.job.id ?? null;
  }

  list(): TrainingJob[] {
    return [...this.#jobs.values()].reverse().map(copy);
  }

  get(id: string): TrainingJob {
    const job = this.#jobs.get(id);
    if (!job) throw new HttpError(404, 'job_not_found', `no training job ${JSON.stringify(id)}; jobs are kept until the bridge restarts`, 'see the trained policies in the history (GET /api/policies), or start a new run');
    return copy(job);
  }

  /** Refuses while another run is going (409 `training_busy`): one run uses every core. */
  assertIdle(): void {
    const a = this.#active?.job;
    if (a) {
      throw new HttpError(409, 'training_busy', `a training run is already going (${a.name}, ${a.stage.toLowerCase()}); one run at a time`, 'wait for it to finish, or stop it on the Train page and start this one after');
    }
  }

  async start(opts: StartJobOptions): Promise<TrainingJob> {
    this.assertIdle();
    const prior = opts.resume ? await readCheckpointHistory(join(opts.out, 'checkpoints')) : null;
    const job: TrainingJob = {
      id: randomUUID(),
      name: opts.name,
      dataset: opts.dataset,
      policy: opts.policy,
      state: 'starting',
      stage: 'Starting',
      epochsDone: prior?.trainLoss.length ?? 0,
      epochs: opts.settings.epochs ?? prior?.epochs ?? 0,
      epoch: prior?.trainLoss.length ?? 0,
      step: 0,
      steps: 0,
      fraction: 0,
      loss: null,
      trainLoss: prior?.trainLoss ?? [],
      valLoss: prior?.valLoss ?? [],
      samplesPerSec: null,
      etaSec: null,
      data: null,
      stopRequested: false,
      resumable: false,
      startedAt: this.#now(),
      finishedAt: null,
      settings: null,
    };
    const child = fork(WORKER_FILE, [], { execArgv: this.#execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'json' });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      stderr = (stderr + text).slice(-STDERR_TAIL);
    });
    // The end a worker reports is applied once its process is gone (and `onEnd` has run):
    // a job that reads done/stopped/failed has let go of the cores and its folder.
    let ending: ((target: TrainingJob) => void) | null = null;
    child.on('message', (m) => {
      const end = this.#onMessage(job, m as WorkerMessage);
      if (end) ending = end;
    });
    const exited = new Promise<void>((resolve) => {
      let settled = false;
      const settle = (detail: string): void => {
        if (settled) return;
        settled = true;
        // The end is worked out on a copy and published only after `onEnd`: a poll that
        // reads the job as ended never finds its folder half cleaned up, or the service busy.
        const final = copy(job);
        if (ending) ending(final);
        else {
          const message = `the training process ${detail} before it finished${stderr.trim() ? `: ${lastLines(stderr)}` : ''}`;
          this.#end(final, 'failed', { message: `Training failed: ${message}`, tip: tipForTraining('Error', message) });
        }
        Promise.resolve(opts.onEnd?.(copy(final)))
          .catch(() => {})
          .finally(() => {
            Object.assign(job, final);
            if (this.#active?.job === job) this.#active = null;
            resolve();
          });
      };
      child.on('exit', (code, signal) => settle(signal ? `was killed (${signal})` : `exited with code ${code}`));
      child.on('error', (error) => settle(`could not run (${error.message})`));
    });
    this.#jobs.set(job.id, job);
    this.#active = { job, child, exited };
    this.#prune();
    this.#send(child, { type: 'start', dataset: opts.datasetDir, out: opts.out, resume: opts.resume, settings: opts.settings });
    return copy(job);
  }

  /** Stops after the epoch in progress; its checkpoint is kept and the run can be continued. */
  stop(id: string): TrainingJob {
    const job = this.#jobs.get(id);
    if (!job) return this.get(id);
    if (this.#active?.job !== job) {
      throw new HttpError(409, 'not_running', `training job ${id} is not running (it is ${job.state})`, job.resumable ? 'continue it with resume' : 'start a new run');
    }
    if (!job.stopRequested) {
      job.stopRequested = true;
      job.state = 'stopping';
      job.stage = job.steps > 0 ? `Stopping after epoch ${job.epoch + 1}` : 'Stopping';
      this.#send(this.#active.child, { type: 'stop' });
    }
    return copy(job);
  }

  /** Waits for the running job to end (tests). */
  async settle(): Promise<void> {
    await this.#active?.exited;
  }

  /** Ends the running job at its next step (its last finished epoch stays), killing it if it does not end in time. */
  async close(): Promise<void> {
    const active = this.#active;
    if (!active) return;
    this.#send(active.child, { type: 'abort' });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        active.child.kill('SIGKILL');
        resolve();
      }, this.#closeGraceMs);
    });
    await Promise.race([active.exited, timeout]);
    clearTimeout(timer);
    await active.exited;
  }

  #send(child: ChildProcess, message: ParentMessage): void {
    if (child.connected) child.send(message, (error) => void error);
  }

  /** Applies one worker message; for the last one, returns how to end the job (applied when the process has exited). */
  #onMessage(job: TrainingJob, m: WorkerMessage): ((target: TrainingJob) => void) | null {
    switch (m.type) {
      case 'reading':
        job.stage = `Reading episode ${Math.min(m.done + 1, m.total)} of ${m.total}`;
        return null;
      case 'data':
        job.data = { episodes: m.episodes, segments: m.segments, frames: m.frames, rate: m.rate };
        job.epochs = m.epochs;
        job.policy = m.policy;
        job.epochsDone = m.resumeFrom;
        job.settings = runSettingsOf(m.settings);
        job.trainLoss = job.trainLoss.slice(0, m.resumeFrom);
        job.valLoss = job.valLoss.slice(0, m.resumeFrom);
        job.fraction = job.epochs > 0 ? m.resumeFrom / job.epochs : 0;
        if (!job.stopRequested) {
          job.state = 'training';
          job.stage = `Training epoch ${m.resumeFrom + 1} of ${m.epochs}`;
        }
        return null;
      case 'progress': {
        Object.assign(job, { epoch: m.epoch, epochs: m.epochs, step: m.step, steps: m.steps, loss: m.loss, samplesPerSec: m.samplesPerSec });
        job.fraction = Math.min(1, (m.epoch + m.step / Math.max(m.steps, 1)) / Math.max(m.epochs, 1));
        if (m.valLoss !== undefined) {
          job.trainLoss.push(m.loss);
          job.valLoss.push(m.valLoss);
          job.epochsDone = m.epoch + 1;
          if (job.epochsDone >= m.epochs) job.etaSec = 0;
        } else {
          job.etaSec = m.etaSec;
        }
        if (job.state === 'starting') job.state = 'training';
        if (!job.stopRequested) job.stage = `Training epoch ${Math.min(job.epochsDone + 1, m.epochs)} of ${m.epochs}`;
        return null;
      }
      case 'done':
        job.stage = 'Saving the policy';
        return (t) => {
          t.fraction = 1;
          t.etaSec = 0;
          this.#end(t, 'done', undefined, m.stoppedEarly ? `Done: stopped early after ${m.epochsRun} epochs (validation loss stopped improving)` : `Done: ${m.epochsRun} epochs`);
        };
      case 'stopped':
        return (t) => {
          t.epochsDone = m.epochsDone;
          t.resumable = m.epochsDone > 0;
          t.etaSec = null;
          this.#end(t, 'stopped', undefined, m.epochsDone > 0 ? `Stopped after ${m.epochsDone} epoch${m.epochsDone === 1 ? '' : 's'}; can be continued` : 'Stopped before the first epoch finished; nothing was kept');
        };
      case 'failed':
        return (t) => this.#end(t, 'failed', { message: `Training failed: ${m.message}`, tip: tipForTraining(m.name, m.message) });
    }
  }

  #end(job: TrainingJob, state: 'done' | 'stopped' | 'failed', error?: { message: string; tip: string }, stage?: string): void {
    job.state = state;
    job.stage = stage ?? 'Failed';
    job.finishedAt = this.#now();
    if (error) {
      job.error = error;
      // A failed run that had saved epochs can still continue from them.
      job.resumable = job.epochsDone > 0;
    }
  }

  #prune(): void {
    const finished = [...this.#jobs.values()].filter((j) => j.finishedAt !== null);
    for (const j of finished.slice(0, Math.max(0, finished.length - this.#keep))) this.#jobs.delete(j.id);
  }
}

function copy(job: TrainingJob): TrainingJob {
  return {
    ...job, trainLoss: [...job.trainLoss], valLoss: [...job.valLoss], data: job.data && { ...job.data, episodes: [...job.data.episodes] },
    settings: job.settings && { ...job.settings, state: job.settings.state && [...job.settings.state], options: structuredClone(job.settings.options) },
  };
}

/** The part of a run's settings the Train page shows beside its progress. */
function runSettingsOf(s: RunSettings): TrainingRunSettings {
  return {
    state: s.state && [...s.state], action: s.actionTarget, lrSchedule: s.learningRateSchedule,
    learningRate: s.learningRate, batchSize: s.batchSize, options: { ...(s.policyOptions as PolicyOptions) },
  };
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' ').slice(-600);
}

/** The loss curves saved with a run's checkpoint (plain JSON; no weights are read). */
export async function readCheckpointHistory(dir: string): Promise<{ trainLoss: number[]; valLoss: (number | null)[]; epochs: number | null } | null> {
  try {
    const doc = JSON.parse(await readFile(join(dir, 'checkpoint.json'), 'utf8')) as { checkpoint?: { history?: { trainLoss?: number[]; valLoss?: (number | null)[] } } };
    const run = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8').catch(() => '{}')) as { settings?: { epochs?: number } };
    const h = doc.checkpoint?.history;
    if (!h?.trainLoss) return null;
    return { trainLoss: [...h.trainLoss], valLoss: (h.valLoss ?? []).map((v) => (typeof v === 'number' && Number.isFinite(v) ? v : null)), epochs: run.settings?.epochs ?? null };
  } catch {
    return null;
  }
}
