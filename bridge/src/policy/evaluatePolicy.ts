/**
 * Closed-loop evaluation in the sim: per episode, reset the sim with a seed,
 * run the policy autonomously through the bridge's runner and safety layer
 * (exactly the path a real deployment takes), and read the outcome from the
 * sim's `/cell/task_status` until success or the timeout (sim seconds).
 * Success rate comes with a 95% Wilson interval: 50 episodes pin a rate to
 * about ±13 points, which is what a number on a README should say.
 */
import type { JointSample } from '../cell/Cell.ts';
import type { SimTaskChannel } from '../demo/SimTaskChannel.ts';
import type { PolicyProblem } from '../protocol/ServerMessage.ts';
import { LatencyStats } from './LatencyStats.ts';
import type { PolicyRunner } from './PolicyRunner.ts';

export interface EvaluatePolicyOptions {
  runner: PolicyRunner;
  /** The sim's task channel (reset, task status). */
  channel: Pick<SimTaskChannel, 'reset' | 'successAt' | 'progress'>;
  cell: { on(event: 'joints', listener: (s: JointSample) => void): () => void };
  task: string;
  episodes: number;
  /** Seed of the first episode; episode i uses seed + i. Pick seeds no demonstration used. */
  seed: number;
  /** Sim seconds before an episode counts as a failure. */
  timeout: number;
  speedScale?: number;
  onEpisode?: (r: EvalEpisode, of: number) => void;
}

export interface EvalEpisode {
  n: number;
  seed: number;
  success: boolean;
  /** Sim seconds from the policy's start to success, or to the end of the episode. */
  duration: number;
  steps: number;
  /**
   * The furthest the task got, 0..1 (the sim's task progress: 1 − distance to
   * the goal ÷ distance at reset), so a failure says how close it came.
   */
  bestProgress: number;
  /** Wall seconds per phase: reset (lay out the task), run (policy until success/timeout/stop). */
  phases: { reset: number; run: number };
  /** Set when the runner stopped by itself (a safety stop, stale data, non-finite output). */
  stop?: PolicyProblem;
}

export interface EvalSummary {
  task: string;
  episodes: number;
  seeds: [number, number];
  timeout: number;
  successes: number;
  successRate: number;
  /** 95% Wilson score interval of the success rate. */
  interval95: [number, number];
  /** Sim seconds, over successful episodes; null without one. */
  meanTimeToSuccess: number | null;
  latencyMs: { p50: number; p99: number; samples: number } | null;
  /** Mean of the episodes' best progress (1 for a success). */
  meanBestProgress: number;
  results: EvalEpisode[];
  wallTime: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function evaluatePolicy(opts: EvaluatePolicyOptions): Promise<EvalSummary> {
  const { runner, channel, task } = opts;
  const latency = new LatencyStats(1_000_000);
  const offStep = runner.on('step', (s) => latency.add(s.latencyMs));
  let latest: JointSample | undefined;
  const offJoints = opts.cell.on('joints', (s) => (latest = s));
  const results: EvalEpisode[] = [];
  const wall0 = performance.now();
  try {
    for (let i = 0; i < opts.episodes; i++) {
      const seed = opts.seed + i;
      // reset: a new layout; the arm's state from the last episode must not leak into this one.
      const t0 = performance.now();
      await channel.reset(task, seed);
      const first = await nextSample(() => latest, 5_000);
      const t1 = performance.now();

      // run: autonomous, until the task reports success, the timeout, or the runner stops by itself.
      runner.start({ mode: 'autonomous', speedScale: opts.speedScale ?? 1 });
      const start = first.stamp;
      let bestProgress = 0;
      while (channel.successAt === undefined && runner.running && (latest?.stamp ?? start) - start < opts.timeout) {
        bestProgress = Math.max(bestProgress, channel.progress);
        await sleep(5);
      }
      const selfStopped = !runner.running;
      runner.stop();
      const status = runner.status();
      const t2 = performance.now();

      const success = channel.successAt !== undefined;
      const end = success ? channel.successAt! : (latest?.stamp ?? start);
      if (success) bestProgress = 1;
      const r: EvalEpisode = { n: i + 1, seed, success, duration: Math.max(0, end - start), steps: status.steps, bestProgress, phases: { reset: (t1 - t0) / 1000, run: (t2 - t1) / 1000 } };
      if (selfStopped && !success && status.stopReason) r.stop = status.stopReason;
      results.push(r);
      opts.onEpisode?.(r, opts.episodes);
    }
  } finally {
    offStep();
    offJoints();
  }
  const successes = results.filter((r) => r.success);
  const lat = latency.summary();
  return {
    task,
    episodes: results.length,
    seeds: [opts.seed, opts.seed + opts.episodes - 1],
    timeout: opts.timeout,
    successes: successes.length,
    successRate: successes.length / results.length,
    interval95: wilson(successes.length, results.length),
    meanTimeToSuccess: successes.length ? successes.reduce((a, r) => a + r.duration, 0) / successes.length : null,
    latencyMs: lat ? { p50: lat.p50, p99: lat.p99, samples: lat.samples } : null,
    meanBestProgress: results.reduce((a, r) => a + r.bestProgress, 0) / Math.max(1, results.length),
    results,
    wallTime: (performance.now() - wall0) / 1000,
  };
}

/** 95% Wilson score interval for k successes in n trials (sensible at 0/n and n/n, unlike p ± 1.96·se). */
export function wilson(k: number, n: number, z = 1.959964): [number, number] {
  if (n === 0) return [0, 1];
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return [Math.max(0, center - half), Math.min(1, center + half)];
}

/** The first joint sample after now (the reset's layout is in place once the channel resolved). */
async function nextSample(latest: () => JointSample | undefined, timeoutMs: number): Promise<JointSample> {
  const before = latest();
  const end = performance.now() + timeoutMs;
  for (;;) {
    const s = latest();
    if (s && s !== before) return s;
    if (performance.now() > end) throw new Error(`no joint state within ${timeoutMs / 1000} s of the sim reset; expected /joint_states at 500 Hz — is the sim running?`);
    await sleep(2);
  }
}
