/**
 * `npm run bench loop`: the whole learning-from-demonstration loop of issue 5,
 * through the real CLI, per task: `cellkit demo` N episodes → `cellkit train`
 * (chunk policy) → `cellkit eval` M episodes. Each step is its own child
 * process, one after the other (never two at once: the cores belong to the
 * step being timed), in a fresh temp folder that is removed at the end
 * (BENCH_KEEP=1 keeps it and prints where it is).
 *
 * Targets (issue 5): eval success reach ≥ 95%, pick_place ≥ 80%; train under
 * 30 minutes per task on a 2-core machine. At the defaults this takes about an
 * hour; `npm run bench` with no names runs every suite, this one included, so
 * name the suites you want (`npm run bench loop`, `npm run bench sim bridge`).
 *
 * Environment: BENCH_LOOP_TASKS (default reach,pick_place), BENCH_LOOP_DEMOS
 * (demo episodes, default 50), BENCH_LOOP_EVAL (eval episodes, default 50),
 * BENCH_LOOP_EPOCHS (overrides the table's epochs, for quick runs), BENCH_KEEP.
 *
 * Figures come from the files the steps write (<policy>/metrics.json,
 * <policy>/eval.json, the dataset's episode files); only the demo's success
 * count and wall time are read from its summary line, which is all it prints.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { result, type BenchResult } from './BenchResult.ts';

/** Per-task settings, the one place to tune the loop. Demo and eval seeds stay apart (0.. vs 1000..). */
export const LOOP_TASKS: Record<string, { demo: string[]; train: string[]; eval: string[]; successTarget: number }> = {
  reach: {
    demo: ['--noise', '0.1'],
    // The image policy's default state (gripper, wrench; no joint positions): 49/50 and 45/50 on the
    // eval seeds (training seeds 0, 1) vs 36/50 with joint positions, same demos.
    train: ['--epochs', '40'],
    eval: ['--timeout', '10'],
    successTarget: 0.95,
  },
  pick_place: {
    // --fumble 0.3: about a fifth of the demos (11 of 50) miss their first grasp on purpose, beside the cube, and
    // recover (back up open, grasp again) — the traced failures were misses that stayed closed on nothing.
    // --nudge 0.4: about a quarter (14 of 50) aim the approach 2–4 cm off until 6 cm above the grasp, then correct on
    // the way down. Both deliberate mistakes are recorded as spans training leaves out (session 8); only the
    // recoveries are learned. (Before, the fumble's own approach was imitated too: traced descents 2.3–2.9 cm beside
    // the cube.)
    demo: ['--noise', '0.03', '--fumble', '0.3', '--nudge', '0.4'],
    // The tool's Cartesian velocity (twist) out at 20 Hz, chunks of 1 s; state gripper, wrench (the image policy's
    // default). Eval seeds 1000..1019, session 7 (goal disc under the target, release 1.2 cm up): fumble 0.3 and the
    // final weights of 30 epochs on all 50 demos 9/20 (5 of the 9 took 12–27 s, vs ~7 s for a first-try grasp); without fumble: final weights
    // 6/20 (0 force stops), early stopping on 5 validation demos 5/20 (best epoch 6, 5 force stops), + tcp_height in
    // the state 7/20, no temporal ensembling 2/11. Session 6 and before, without the disc: 7/20, 7/20, 9/20 (10 Hz
    // twist 4/20; 30 Hz 2/18; 10 Hz joint velocities 3/30; joint position outputs 1/50); 100 demos no gain.
    // The loop with these settings (session 7): 25/50 (95% CI 37–63%), 11 force stops, train 389 s; the same demos
    // trained with --seed 1: 24/50.
    // Session 8, 50 eval episodes each: the fumble's miss left out of training 23/50 (5 force stops, was 11); + tcp_height
    // in the state (how far to descend: policies closed 1–4 cm too high) 27/50, 0 force stops; tcp_pose instead 2/13
    // (stopped; it follows demonstrated paths); 70 epochs on session 7's demos 22/50. The loop with --nudge 0.4 and
    // tcp_height (these settings): 32/50 = 64% (95% CI 50–76%), 1 force stop, train 355 s; the same demos trained with
    // --seed 1: 27/50 (run beside a CI job: 1 stale-observation stop). --nudge 0.6 instead: 20/50. Also nudging the place (carry
    // aimed beside the target until 6 cm above the release): 24/50 (reverted).
    // Session 9: twist chunk policies track their plan at run time (PolicyRuntime trackGain 4/s, the default): session
    // 8's policy 38/50 with it vs 32/50 without, same seeds. The loop with these settings: 25/50 (that policy without
    // tracking: 18/50). Starting the place when 2 cm off centre instead of 5 mm (the expert lowers while centring): 28/50
    // in the loop (not kept). --lr-schedule cosine on the same two demo sets: 32/50 and 34/50 vs 25/50 and 38/50 (not kept).
    train: ['--epochs', '30', '--patience', '0', '--val', '0', '--action', 'twist', '--rate', '20', '--horizon', '20', '--state', 'gripper,wrench,tcp_height'],
    eval: ['--timeout', '30'],
    successTarget: 0.8,
  },
};

/** Issue 5: train under 30 minutes per task on this 2-core machine (the child process's wall time). */
export const TRAIN_TARGET_SEC = 30 * 60;

const CLI = 'bridge/bin/cellkit.js';
const root = fileURLToPath(new URL('..', import.meta.url));

export interface LoopCommandOptions {
  task: string;
  /** The run's temp folder. */
  dir: string;
  demos: number;
  evalEpisodes: number;
  /** Replaces the table's --epochs when given. */
  epochs?: number;
}

export interface LoopPaths { dataset: string; policy: string }
/** Arguments after `node`, per step. */
export interface LoopCommands { paths: LoopPaths; demo: string[]; train: string[]; eval: string[] }

export function loopCommands(o: LoopCommandOptions): LoopCommands {
  const settings = LOOP_TASKS[o.task];
  if (!settings) throw new Error(`unknown loop task '${o.task}'; expected one of ${Object.keys(LOOP_TASKS).join(', ')} (BENCH_LOOP_TASKS)`);
  const paths = { dataset: join(o.dir, `${o.task}-demos`), policy: join(o.dir, `${o.task}-policy`) };
  const train = o.epochs === undefined ? settings.train : withOption(settings.train, '--epochs', String(o.epochs));
  return {
    paths,
    demo: [CLI, 'demo', '--task', o.task, '--episodes', String(o.demos), '--dataset', paths.dataset, '--seed', '0', ...settings.demo],
    train: [CLI, 'train', '--dataset', paths.dataset, '--policy', 'chunk', '--out', paths.policy, ...train],
    eval: [CLI, 'eval', '--policy', paths.policy, '--task', o.task, '--episodes', String(o.evalEpisodes), '--seed', '1000', ...settings.eval],
  };
}

function withOption(args: string[], name: string, value: string): string[] {
  const i = args.indexOf(name);
  return i < 0 ? [...args, name, value] : [...args.slice(0, i + 1), value, ...args.slice(i + 2)];
}

export interface DemoSummary { successes: number; episodes: number; wallSec: number }

/** `demo: 50/50 success (100%), 50 episodes in 68.6 s wall = …` (demoCommand's summaryLine), the last one in `text`. */
export function parseDemoSummary(text: string): DemoSummary | null {
  const all = [...text.matchAll(/^demo: (\d+)\/(\d+) success \([\d.]+%\), \d+ episodes in ([\d.]+) s wall/gm)];
  const m = all[all.length - 1];
  return m ? { successes: Number(m[1]), episodes: Number(m[2]), wallSec: Number(m[3]) } : null;
}

/**
 * Splits a child's output into lines as a terminal would show them: a line
 * redrawn with \r (a progress bar) counts as its last drawing, ANSI escapes
 * removed. Chunks may end mid-line; `flush` returns what is left.
 */
export class LineSplitter {
  private rest = '';

  push(chunk: string): string[] {
    const parts = (this.rest + chunk).split('\n');
    this.rest = parts.pop()!;
    return parts.map(clean);
  }

  flush(): string[] {
    const last = clean(this.rest);
    this.rest = '';
    return last.trim() ? [last] : [];
  }
}

function clean(line: string): string {
  const plain = line.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
  const drawings = plain.split('\r').filter((s) => s.trim() !== '');
  return drawings[drawings.length - 1] ?? '';
}

export type LoopStep = 'demo' | 'train' | 'eval';

/**
 * Which lines to stream: per-episode results and summaries, completed epochs.
 * Hidden: "episode n/N recording", mid-epoch progress, "reading episodes",
 * blank lines. Everything else (warnings, errors) shows.
 */
export function showLine(step: LoopStep, line: string): boolean {
  if (line.trim() === '') return false;
  if (step === 'demo' && /^episode \d+\/\d+ recording/.test(line)) return false;
  if (step === 'train' && /^epoch \d+\/\d+/.test(line)) return /^epoch \d+\/\d+ done/.test(line);
  if (step === 'train' && /^reading episodes/.test(line)) return false;
  return true;
}

interface ChildRun {
  code: number | null;
  wallSec: number;
  stdout: string;
  /** The last 30 lines of stdout and stderr. */
  tail: string[];
  /** The CLI's own error lines (`cellkit <command>: …`), which a usage text after them would push out of the tail. */
  errors: string[];
}

/** Runs `node <args>` in the repo root, streaming the shown lines with a prefix; keeps the last lines of both streams for failures. */
function runStep(label: string, step: LoopStep, args: string[]): Promise<ChildRun> {
  console.log(`$ node ${args.join(' ')}`);
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  const tail: string[] = [];
  const errors: string[] = [];
  const onLines = (lines: string[], stream: 'out' | 'err'): void => {
    for (const line of lines) {
      if (/^cellkit [a-z]+: /.test(line)) errors.push(line);
      tail.push(stream === 'err' ? `(stderr) ${line}` : line);
      if (tail.length > 30) tail.shift();
      if (showLine(step, line)) console.log(`[${label}] ${line}`);
    }
  };
  const out = new LineSplitter();
  const err = new LineSplitter();
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
    onLines(out.push(c), 'out');
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => onLines(err.push(c), 'err'));
  return new Promise((resolve) => {
    const done = (code: number | null): void => {
      onLines(out.flush(), 'out');
      onLines(err.flush(), 'err');
      resolve({ code, wallSec: (performance.now() - t0) / 1000, stdout, tail, errors });
    };
    // A spawn failure may emit 'error' without 'close'; resolving twice is harmless.
    child.on('error', (e) => {
      tail.push(`could not start ${process.execPath}: ${e.message}`);
      done(null);
    });
    child.on('close', done);
  });
}

/** A step that failed: its exit and last lines, printed; the task's remaining steps are skipped. */
class StepFailed extends Error {}

async function step(label: string, kind: LoopStep, args: string[]): Promise<ChildRun> {
  const run = await runStep(label, kind, args);
  if (run.code !== 0) {
    console.log(`[${label}] FAILED: exit ${run.code} after ${run.wallSec.toFixed(1)} s`);
    for (const line of run.errors) console.log(`[${label}]   ${line}`);
    console.log(`[${label}] last output:`);
    for (const line of run.tail) console.log(`[${label}]   ${line}`);
    throw new StepFailed(`${kind} exited ${run.code}`);
  }
  return run;
}

function readJson<T>(file: string, what: string): T {
  if (!existsSync(file)) throw new StepFailed(`${what}: expected ${file}, found no such file`);
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

interface TrainMetrics { epochs: number; bestEpoch: number; bestValLoss: number | null; valLoss: (number | null)[]; trainLoss: number[]; samplesPerSec: number[]; wallSec: number; settings: { rate: number } }
interface EvalJson {
  episodes: number; successes: number; successRate: number; interval95: [number, number];
  meanTimeToSuccess: number | null; latencyMs: { p50: number; p99: number; samples: number } | null; timeout: number; wallTime: number;
}

/** Seconds of demonstration recorded: the episodes' start..end times in the dataset. */
function recordedSeconds(dataset: string): number {
  const dir = join(dataset, 'episodes');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as { startTime?: number; endTime?: number })
    .reduce((sum, e) => sum + (e.endTime != null && e.startTime != null ? e.endTime - e.startTime : 0), 0);
}

const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

async function runTask(task: string, o: Omit<LoopCommandOptions, 'task'>, out: BenchResult[]): Promise<{ wallSec: number; stepsSec: number }> {
  const cmds = loopCommands({ task, ...o });
  const t0 = performance.now();
  let stepsSec = 0;
  let failedAt: string | null = null;
  try {
    const demo = await step(`${task} demo`, 'demo', cmds.demo);
    const summary = parseDemoSummary(demo.stdout);
    if (!summary) throw new StepFailed(`demo: expected a summary line 'demo: k/n success (…), n episodes in x s wall', found none`);
    stepsSec += summary.wallSec;
    out.push(result({
      name: `loop ${task} demo success, ${summary.episodes} episodes (seeds 0..${summary.episodes - 1})`,
      value: summary.successes / summary.episodes, unit: '', against: 'all episodes', reference: 1,
    }));
    out.push(result({
      name: `loop ${task} demo wall time, ${summary.episodes} episodes (${demo.wallSec.toFixed(1)} s with process start)`,
      value: summary.wallSec, unit: 's', against: 'demonstration time recorded (episode start..end)', reference: recordedSeconds(cmds.paths.dataset),
    }));

    const train = await step(`${task} train`, 'train', cmds.train);
    const m = readJson<TrainMetrics>(join(cmds.paths.policy, 'metrics.json'), 'train metrics');
    stepsSec += m.wallSec;
    out.push(result({
      name: `loop ${task} train wall time (chunk, ${m.epochs} epochs run; ${m.wallSec.toFixed(1)} s in metrics.json)`,
      value: train.wallSec, unit: 's', against: 'issue 5 target', reference: TRAIN_TARGET_SEC,
      target: '< 30 min', met: train.wallSec < TRAIN_TARGET_SEC,
    }));
    const sps = m.samplesPerSec;
    out.push(result({
      name: `loop ${task} train throughput, mean over epochs`,
      value: sps.reduce((a, b) => a + b, 0) / Math.max(sps.length, 1), unit: 'samples/s', against: 'fastest epoch', reference: sps.length ? Math.max(...sps) : NaN,
    }));
    // With validation episodes the bundle holds the best epoch's weights; without (--val 0), the final ones.
    out.push(m.bestValLoss === null
      ? result({
        name: `loop ${task} train final loss (no validation episodes: the bundle holds the last epoch's weights)`,
        value: m.trainLoss.at(-1) ?? NaN, unit: '', against: 'first epoch train loss', reference: m.trainLoss[0] ?? NaN,
      })
      : result({
        name: `loop ${task} train best val loss (epoch ${m.bestEpoch + 1})`,
        value: m.bestValLoss, unit: '', against: 'first epoch val loss', reference: m.valLoss[0] ?? NaN,
      }));

    await step(`${task} eval`, 'eval', cmds.eval);
    const e = readJson<EvalJson>(join(cmds.paths.policy, 'eval.json'), 'eval result');
    stepsSec += e.wallTime;
    const target = LOOP_TASKS[task].successTarget;
    out.push(result({
      name: `loop ${task} eval success, ${e.successes}/${e.episodes} episodes (95% CI ${pct(e.interval95[0])}–${pct(e.interval95[1])}, Wilson)`,
      value: e.successRate, unit: '', against: 'issue 5 target', reference: target,
      target: `≥ ${target.toFixed(2)}`, met: e.successRate >= target,
    }));
    out.push(result({
      name: `loop ${task} eval mean time to success (sim)${e.meanTimeToSuccess === null ? ', no success' : ''}`,
      value: e.meanTimeToSuccess ?? NaN, unit: 's', against: 'episode timeout', reference: e.timeout,
    }));
    out.push(result({
      name: `loop ${task} eval inference p99 (p50 ${e.latencyMs?.p50.toFixed(2) ?? 'n/a'} ms, ${e.latencyMs?.samples ?? 0} steps)`,
      value: e.latencyMs?.p99 ?? NaN, unit: 'ms', against: `one policy period at ${m.settings.rate} Hz`, reference: 1000 / m.settings.rate,
    }));
  } catch (err) {
    if (!(err instanceof StepFailed)) throw err;
    failedAt = err.message;
    console.log(`[${task}] task failed: ${err.message}; continuing with the next task`);
  }
  out.push(result({
    name: `loop ${task} completed (demo → train → eval)${failedAt ? `: FAILED, ${failedAt}` : ''}`,
    value: failedAt ? 0 : 1, unit: '', against: 'all steps', reference: 1, target: 'every step exits 0', met: failedAt === null,
  }));
  return { wallSec: (performance.now() - t0) / 1000, stepsSec };
}

export async function loopBench(): Promise<BenchResult[]> {
  const env = process.env;
  const tasks = (env.BENCH_LOOP_TASKS ?? 'reach,pick_place').split(',').map((t) => t.trim()).filter(Boolean);
  const count = (name: string, fallback: number): number => {
    const n = Number(env[name] ?? fallback);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} expects a positive integer, got '${env[name]}'`);
    return n;
  };
  const o = {
    demos: count('BENCH_LOOP_DEMOS', 50),
    evalEpisodes: count('BENCH_LOOP_EVAL', 50),
    ...(env.BENCH_LOOP_EPOCHS ? { epochs: count('BENCH_LOOP_EPOCHS', 1) } : {}),
  };
  for (const t of tasks) loopCommands({ task: t, dir: '', ...o }); // unknown task names fail before an hour of work

  const dir = mkdtempSync(join(tmpdir(), 'cellkit-loop-'));
  const keep = env.BENCH_KEEP === '1';
  console.log(`load average ${loadavg()[0].toFixed(2)} on ${cpus().length} cores at start; tasks ${tasks.join(', ')}, ${o.demos} demos, ${o.evalEpisodes} eval episodes${o.epochs ? `, epochs ${o.epochs} (BENCH_LOOP_EPOCHS)` : ''}; folder ${dir}`);
  const out: BenchResult[] = [];
  let wallSec = 0;
  let stepsSec = 0;
  try {
    for (const task of tasks) {
      const r = await runTask(task, { dir, ...o }, out);
      wallSec += r.wallSec;
      stepsSec += r.stepsSec;
    }
  } finally {
    if (keep) console.log(`BENCH_KEEP=1: datasets and policies kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
  out.push(result({
    name: `loop total wall time, ${tasks.join(' + ')}`,
    value: wallSec, unit: 's', against: 'the steps\' own wall times (demo summary + metrics.json + eval.json)', reference: stepsSec,
  }));
  return out;
}
