import { writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { loadBundle, TRACK_GAIN } from '@cellkit/trainer';

import type { AuditLog } from '../access/index.ts';
import { startStack } from '../app/startStack.ts';
import { SimTaskChannel } from '../demo/SimTaskChannel.ts';
import { evaluatePolicy, type EvalEpisode, type EvalSummary } from '../policy/evaluatePolicy.ts';
import { ensurePolicyBackend, loadPolicy, trackingGain } from '../policy/loadPolicy.ts';
import { PolicyRunner } from '../policy/PolicyRunner.ts';
import { UsageError, type Command } from './Command.ts';
import { logToConsole } from './simCommand.ts';

const TASKS = ['reach', 'push', 'pick_place'];

const usage = `Usage: cellkit eval --policy <bundle dir> [options]

Runs a trained policy closed-loop in the simulated cell, autonomously,
through the bridge's policy runner and safety layer (the deployment path).
Each episode resets the sim with seed+i and runs until /cell/task_status
reports success or the timeout. Prints the success rate with a 95% Wilson
interval and the mean time to success, and writes them to <bundle>/eval.json.

Options:
  --policy <dir>        policy bundle folder (policy.json, model.json, weights.bin)
  --task <name>         reach | push | pick_place (default pick_place)
  --episodes <n>        how many episodes (default 50)
  --seed <n>            seed of the first episode (default 1000: demos use 0.., keep eval seeds apart)
  --speed <max|1|x>     sim speed (default max)
  --timeout <s>         sim seconds before an episode counts as a failure (default 30)
  --speed-scale <x>     (0, 1], scales the policy's velocities (default 1)
  --track-gain <1/s>    chunk policies with twist outputs: pull the tool toward where the
                        overlapping chunks say it should be, gain × distance (default ${TRACK_GAIN};
                        0 = off, velocities only)`;

export interface EvalCommandOptions {
  /** Default: the bridge's audit file. Tests pass `AuditLog.inMemory().audit`. */
  auditLog?: AuditLog;
  /** Where progress lines go. Default stdout. */
  print?: (line: string) => void;
  /** Bridge and sim log. Default: warnings and errors to stderr. */
  log?: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
}

export const EVAL_FILE = 'eval.json';

/**
 * As for `cellkit demo`: the embedded sim at speed 'max' pauses while it
 * renders cameras, so the controller's wall-clock watchdog (2 periods, 16 ms)
 * would close the connection gate mid-episode — and the runner would stop on
 * that safety stop. With an image policy inferring on the same event loop, pauses
 * reach a few hundred ms: 125 periods = 1 s. The sim is in this process.
 */
const MAX_SPEED_WATCHDOG_PERIODS = 125;

export function createEvalCommand(commandOptions: EvalCommandOptions = {}): Command {
  const print = commandOptions.print ?? ((line: string) => console.log(line));
  const log = commandOptions.log ?? ((level, message) => (level === 'warn' || level === 'error') && logToConsole(level, message));
  return {
    name: 'eval',
    summary: 'evaluate a policy bundle closed-loop in the sim through the runner and safety layer',
    usage,
    async run(argv) {
      const { values } = parseArgs({
        args: argv,
        options: {
          policy: { type: 'string' },
          task: { type: 'string', default: 'pick_place' },
          episodes: { type: 'string', default: '50' },
          seed: { type: 'string', default: '1000' },
          speed: { type: 'string', default: 'max' },
          timeout: { type: 'string', default: '30' },
          'speed-scale': { type: 'string', default: '1' },
          'track-gain': { type: 'string', default: String(TRACK_GAIN) },
        },
        strict: true,
      });
      if (!values.policy) throw new UsageError('--policy is required (a policy bundle folder)');
      const task = values.task!;
      if (!TASKS.includes(task)) throw new UsageError(`--task expects one of ${TASKS.join(', ')}, got '${task}'`);
      const episodes = Number(values.episodes);
      if (!Number.isInteger(episodes) || episodes < 1) throw new UsageError(`--episodes expects a positive integer, got '${values.episodes}'`);
      const seed = Number(values.seed);
      if (!Number.isInteger(seed) || seed < 0) throw new UsageError(`--seed expects a non-negative integer, got '${values.seed}'`);
      const speed = values.speed === 'max' ? 'max' : Number(values.speed);
      if (speed !== 'max' && !(speed > 0)) throw new UsageError(`--speed expects max or a positive number, got '${values.speed}'`);
      const timeout = Number(values.timeout);
      if (!(timeout > 0)) throw new UsageError(`--timeout expects a positive number of seconds, got '${values.timeout}'`);
      const speedScale = Number(values['speed-scale']);
      if (!(speedScale > 0 && speedScale <= 1)) throw new UsageError(`--speed-scale expects a number in (0, 1], got '${values['speed-scale']}'`);

      const trackGain = Number(values['track-gain']);
      if (!(trackGain >= 0 && Number.isFinite(trackGain))) throw new UsageError(`--track-gain expects a number ≥ 0 (1/s; 0 = off), got '${values['track-gain']}'`);

      const dir = resolve(values.policy);
      await ensurePolicyBackend();
      const bundle = await loadBundle(dir);
      const cameras = bundle.manifest.inputs.cameras.map((c) => c.name);
      const stack = await startStack({ sim: { port: 0, host: '127.0.0.1', task: task as 'pick_place', seed, speed: speed as 'max', cameras, log },
        port: 0,
        auditLog: commandOptions.auditLog,
        log,
        ...(speed === 'max' ? { controller: { watchdogPeriods: MAX_SPEED_WATCHDOG_PERIODS } } : {}),
      });
      let channel: SimTaskChannel | undefined;
      const runner = new PolicyRunner({ cell: stack.connection, control: stack.controller, clientId: 'eval', log });
      try {
        const toolOffset = stack.controller.status().toolOffset;
        const cell = { ...stack.connection.description, ...(toolOffset ? { toolOffset } : {}) };
        const policy = await loadPolicy({ source: bundle, name: dir, cell, trackGain }).catch((err: Error & { tip?: string }) => {
          throw new Error(`${err.message}${err.tip ? ` (${err.tip})` : ''}`);
        });
        runner.use(policy);
        channel = await SimTaskChannel.connect(stack.sim!.url);
        const tracking = trackingGain(policy);
        const loadAtStart = loadavg()[0]!;
        const busy = busyMachineNote(loadAtStart, cpus().length);
        if (busy) print(busy);
        print(`eval: ${episodes} × ${task} (seeds ${seed}..${seed + episodes - 1}), policy ${dir} at ${policy.rate} Hz, sim speed ${speed}, timeout ${timeout} s${tracking > 0 ? `, tracking its chunks' plan at gain ${tracking}/s` : ''}`);
        const summary = await evaluatePolicy({ runner, channel, cell: stack.connection, task, episodes, seed, timeout, speedScale, onEpisode: (r, of) => print(episodeLine(r, of)) });
        const file = join(dir, EVAL_FILE);
        await writeFile(file, `${JSON.stringify({ ...summary, policy: dir, speed, speedScale, trackGain: tracking, loadAverageAtStart: Number(loadAtStart.toFixed(2)), createdAt: new Date().toISOString() }, null, 2)}\n`);
        for (const line of summaryLines(summary)) print(line);
        print(`eval: written to ${file}`);
        return 0;
      } finally {
        runner.dispose();
        channel?.close();
        await stack.close();
      }
    },
  };
}

export const evalCommand: Command = createEvalCommand();

/**
 * A warning when the machine is already busy at the start (1-minute load average ≥ the
 * number of cores): the sim, its camera renderer and the policy share the CPU, so latency
 * figures, and stops for stale observations, are then not comparable with a quiet run.
 */
export function busyMachineNote(load: number, cores: number): string | null {
  if (!(load >= cores)) return null;
  return `eval: note — the machine is busy (load average ${load.toFixed(2)} on ${cores} cores): inference latency and any stale-observation stops are not comparable with a run on a quiet machine`;
}

export function episodeLine(r: EvalEpisode, of: number): string {
  const outcome = r.success ? 'success' : 'failure';
  const why = r.stop ? `  stopped: ${r.stop.code} — ${r.stop.message}` : '';
  const progress = r.success ? '' : `  best progress ${r.bestProgress.toFixed(2)}`;
  return `episode ${r.n}/${of} ${outcome.padEnd(7)} sim ${r.duration.toFixed(2)} s  ${r.steps} steps${progress}  wall reset ${r.phases.reset.toFixed(2)} s run ${r.phases.run.toFixed(2)} s  (seed ${r.seed})${why}`;
}

export function summaryLines(s: EvalSummary): string[] {
  const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
  const mean = s.meanTimeToSuccess === null ? 'n/a (no success)' : `${s.meanTimeToSuccess.toFixed(2)} s (sim)`;
  const lat = s.latencyMs ? `inference p50 ${s.latencyMs.p50.toFixed(2)} ms, p99 ${s.latencyMs.p99.toFixed(2)} ms over ${s.latencyMs.samples} steps (sharing the CPU with the sim and its camera renderer)` : 'no steps ran';
  const stopped = s.results.filter((r) => r.stop);
  const stops = stopped.length ? `; ${stopped.length} stopped early (${[...new Set(stopped.map((r) => r.stop!.code))].join(', ')}), counted as failures` : '';
  return [
    `eval: success ${s.successes}/${s.episodes} = ${pct(s.successRate)} (95% CI ${pct(s.interval95[0])}–${pct(s.interval95[1])}, Wilson)${stops}`,
    `eval: mean time to success ${mean}; mean best progress ${s.meanBestProgress.toFixed(2)} (1 = the goal); ${lat}; ${s.wallTime.toFixed(1)} s wall`,
  ];
}
