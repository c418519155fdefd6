/**
 * The child process that trains: `TrainingJobs` forks this file (through the
 * tsx loader) so training never runs on the bridge's event loop, where it
 * would stall the control loop and telemetry. It receives one `start`
 * message over IPC, runs `trainDatasetDir`, and reports progress, then the
 * end, as `WorkerMessage`s.
 *
 * `stop` finishes the epoch in progress (its checkpoint is saved) and ends
 * with `stopped`; `abort` stops at the next step (the last finished epoch
 * stays). Losing the parent counts as `abort`.
 */
import { initBackend } from '@cellkit/trainer';
import { TrainInterrupted, trainDatasetDir } from '@cellkit/trainer/node';
import { derivedStateFactory } from './derivedStateFactory.ts';
import type { ParentMessage, WorkerMessage } from './workerMessages.ts';

/** Step reports are thinned to this; epoch ends always go out. */
const PROGRESS_INTERVAL_MS = 200;

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

const abort = new AbortController();
let stopAfterEpoch = false;
let started = false;

process.on('disconnect', () => abort.abort());
process.on('message', (raw) => {
  const message = raw as ParentMessage;
  if (message.type === 'stop') stopAfterEpoch = true;
  else if (message.type === 'abort') abort.abort();
  else if (message.type === 'start' && !started) {
    started = true;
    void run(message).then(
      (code) => finish(code),
      (error: Error) => send({ type: 'failed', name: error.name, message: error.message }).then(() => finish(1)),
    );
  }
});

async function run(start: Extract<ParentMessage, { type: 'start' }>): Promise<number> {
  const backend = await initBackend();
  let lastSent = 0;
  try {
    const run = await trainDatasetDir({
      ...start.settings,
      dataset: start.dataset,
      out: start.out,
      resume: start.resume,
      backend,
      // tcp_pose of a run started with `cellkit train`: resumed with the arm and tool it was started with.
      derivedState: derivedStateFactory(),
      signal: abort.signal,
      onReadEpisode: (done, total) => void send({ type: 'reading', done, total }),
      onData: (data, report, settings, resumeFrom) =>
        void send({
          type: 'data',
          episodes: report.episodesSelected,
          segments: data.episodes.length,
          frames: report.frames.used,
          rate: settings.rate,
          epochs: settings.epochs,
          policy: settings.policy,
          resumeFrom,
          settings,
        }),
      onProgress: (p) => {
        const epochEnd = p.valLoss !== undefined;
        const now = performance.now();
        if (!epochEnd && now - lastSent < PROGRESS_INTERVAL_MS) return;
        lastSent = now;
        void send({ type: 'progress', ...p, valLoss: epochEnd ? (Number.isFinite(p.valLoss) ? p.valLoss! : null) : undefined });
        // The checkpoint of this epoch is saved before the next step checks the signal.
        if (epochEnd && stopAfterEpoch) abort.abort();
      },
    });
    const h = run.result.history;
    run.result.model.dispose();
    await send({
      type: 'done',
      epochsRun: run.result.epochsRun,
      stoppedEarly: run.result.stoppedEarly,
      bestValLoss: Number.isFinite(h.bestValLoss) ? h.bestValLoss : null,
      samplesPerSec: run.samplesPerSec,
    });
    return 0;
  } catch (error) {
    if (error instanceof TrainInterrupted) {
      await send({ type: 'stopped', epochsDone: error.epochsDone });
      return 0;
    }
    throw error;
  }
}

function finish(code: number): void {
  // tfjs keeps handles open; leave once the parent has the last message.
  if (process.connected) process.disconnect?.();
  process.exit(code);
}
