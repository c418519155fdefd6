/**
 * Dataset exports running in the background, polled by id. One export per
 * dataset at a time. The export is written to `<out>.partial-<id>` and moved
 * into place only when complete, so a half-written folder never looks like a
 * finished export; the previous export of the same dataset is replaced then.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Dataset } from '@cellkit/datasets';
import { exportLerobotDir, FFMPEG_MISSING_TIP, type LerobotProgress } from '@cellkit/datasets/lerobot';
import { HttpError } from '../HttpError.ts';
import type { ExportJob } from './datasetApi.ts';

/** How far along an export is, from the exporter's phases: episodes are most of the work. */
function fractionOf(p: LerobotProgress): number {
  const episodes = p.total > 0 ? p.done / p.total : 1;
  if (p.phase === 'episodes') return 0.02 + 0.83 * episodes;
  if (p.phase === 'videos') return 0.9;
  return 0.97;
}

function stageOf(p: LerobotProgress): string {
  if (p.phase === 'episodes') return `Converting episode ${Math.min(p.done + 1, p.total)} of ${p.total}`;
  if (p.phase === 'videos') return 'Finishing camera videos';
  return 'Writing dataset information';
}

function tipFor(message: string): string {
  if (/ffmpeg/i.test(message)) return `${FFMPEG_MISSING_TIP} Or export with pictures inside the data files (images: inline).`;
  if (/No episode to export/i.test(message)) return 'Label at least one finished episode as success or failure (discarded episodes are left out), then export again.';
  if (/ENOSPC/i.test(message)) return 'The disk is full: free some space and export again.';
  if (/different layout/i.test(message)) return 'Episodes recorded with different cameras or joints cannot be exported together; discard the odd ones out.';
  return 'Try again; if it keeps failing, run `cellkit dataset validate` on this dataset and share the output with your integrator.';
}

export interface StartExportOptions {
  name: string;
  dataset: Dataset;
  out: string;
  images: 'video' | 'inline';
  fps: number;
}

export class ExportJobs {
  #jobs = new Map<string, ExportJob>();
  #running = new Map<string, Promise<void>>();
  #now: () => number;
  /** Finished jobs kept for polling. */
  #keep: number;

  constructor(opts: { now?: () => number; keep?: number } = {}) {
    this.#now = opts.now ?? (() => Date.now() / 1000);
    this.#keep = opts.keep ?? 50;
  }

  get(dataset: string, id: string): ExportJob {
    const job = this.#jobs.get(id);
    if (!job || job.dataset !== dataset) throw new HttpError(404, 'job_not_found', `no export job ${JSON.stringify(id)}; jobs are kept until the bridge restarts`, 'start the export again');
    return { ...job, skipped: [...job.skipped] };
  }

  start(opts: StartExportOptions): ExportJob {
    const busy = [...this.#jobs.values()].find((j) => j.dataset === opts.name && j.state === 'running');
    if (busy) {
      throw new HttpError(409, 'export_running', `an export of ${opts.name} is already running (job ${busy.id}, ${Math.round(busy.fraction * 100)}%)`, 'wait for it to finish; its progress is shown on the Datasets page');
    }
    const id = randomUUID();
    const job: ExportJob = {
      id,
      dataset: opts.name,
      format: 'lerobot',
      state: 'running',
      stage: 'Starting',
      fraction: 0,
      done: false,
      out: opts.out,
      startedAt: this.#now(),
      finishedAt: null,
      episodes: 0,
      frames: 0,
      skipped: [],
    };
    this.#jobs.set(id, job);
    this.#prune();
    const run = this.#run(job, opts).finally(() => this.#running.delete(id));
    this.#running.set(id, run);
    return { ...job };
  }

  async #run(job: ExportJob, opts: StartExportOptions): Promise<void> {
    const partial = `${opts.out}.partial-${job.id}`;
    try {
      await mkdir(dirname(opts.out), { recursive: true });
      const result = await exportLerobotDir({
        dataset: opts.dataset,
        out: partial,
        fps: opts.fps,
        images: opts.images,
        onProgress: (p) => {
          job.fraction = Math.max(job.fraction, fractionOf(p));
          job.stage = stageOf(p);
          job.frames = p.frames;
        },
      });
      job.stage = 'Moving the export into place';
      await rm(opts.out, { recursive: true, force: true });
      await rename(partial, opts.out);
      Object.assign(job, { state: 'done', stage: 'Done', fraction: 1, done: true, episodes: result.episodes.length, frames: result.frames, skipped: result.skipped, finishedAt: this.#now() });
    } catch (error) {
      await rm(partial, { recursive: true, force: true }).catch(() => {});
      const message = (error as Error).message;
      Object.assign(job, { state: 'failed', stage: 'Failed', done: true, finishedAt: this.#now(), error: { message: `Export failed: ${message}`, tip: tipFor(message) } });
    }
  }

  #prune(): void {
    const finished = [...this.#jobs.values()].filter((j) => j.done);
    for (const j of finished.slice(0, Math.max(0, finished.length - this.#keep))) this.#jobs.delete(j.id);
  }

  /** Waits for running exports (on close, and in tests). */
  async settle(): Promise<void> {
    await Promise.all([...this.#running.values()]);
  }
}

export const exportFolderFor = (exportsDir: string, name: string): string => join(exportsDir, `${name}-lerobot`);
