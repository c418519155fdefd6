import { basename, dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import type { AuditLog } from '../access/index.ts';
import { startStack } from '../app/startStack.ts';
import { runDemo, type DemoEpisodeResult, type DemoSummary } from '../demo/runDemo.ts';
import { DATASET_NAME_PATTERN, DATASET_NAME_TEXT } from '../protocol/ClientMessage.ts';
import { UsageError, type Command } from './Command.ts';
import { parsePort } from './bridgeCommand.ts';
import { logToConsole, parseSimArgs } from './simCommand.ts';

const usage = `Usage: cellkit demo --dataset <dir> [options]

Records scripted demonstrations through the whole stack: the simulated cell,
the bridge's controller and safety layer (the recorded action is the command
the layer sent) and the recorder. Each episode resets the sim with seed+i,
records while the task's expert drives the arm, and is labelled success or
failure from the sim's task status.

Options:
  --dataset <dir>       dataset folder (its name: ${DATASET_NAME_TEXT}); created on first use
  --task <name>         reach | push | pick_place (default pick_place)
  --episodes <n>        how many episodes (default 10)
  --seed <n>            seed of the first episode (default 0)
  --cameras <list>      comma-separated camera names, or none (default scene,wrist)
  --camera-size <WxH>   camera resolution (default 160x120)
  --speed <max|1|x>     sim speed (default max)
  --timeout <s>         sim seconds before an episode counts as a failure (default 30)
  --hold <s>            sim seconds to keep recording after success while the expert holds
                        still, so policies learn to stop at the goal (default 1)
  --noise <rad/s>       std of the sim arm's correlated tracking error while it moves: it drifts
                        off the expert's path and the expert corrects, so the demos show
                        recoveries; the recorded actions stay the expert's commands (DART); default 0
  --fumble <fraction>   pick_place: fraction of episodes whose first grasp is aimed beside the cube;
                        the expert sees the empty grip, backs up and grasps again, so the demos show
                        the recovery a learned policy needs after a miss (seeded per episode); default 0.
                        The deliberate miss is recorded as a span training leaves out
  --nudge <fraction>    pick_place: fraction of episodes (not fumbling) whose approach is aimed 2–4 cm
                        beside the cube until 6 cm above the grasp, then corrected on the way down;
                        the aimed-off part is left out of training, the correction kept; default 0
  --port <n>            the bridge's UI/API port, to watch in a browser (default 0: any free port)`;

/**
 * The controller's watchdog counts wall time without joint states (2 periods,
 * 16 ms, by default). The embedded sim at speed 'max' stops stepping while it
 * waits for camera frames, so the cell is paused — not silent — for longer than
 * that; at the default the gate closes mid-demonstration and zeros (and
 * refused commands) end up in the recorded actions. 25 periods = 0.2 s: a
 * dead cell still stops the arm quickly, and the sim is in this process.
 */
const MAX_SPEED_WATCHDOG_PERIODS = 25;

export interface DemoCommandOptions {
  /** Default: the bridge's audit file (~/.cellkit/audit.log). Tests pass `AuditLog.inMemory().audit`. */
  auditLog?: AuditLog;
  /** Where progress lines go. Default stdout. */
  print?: (line: string) => void;
  /** Bridge and sim log. Default: warnings and errors to stderr. */
  log?: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
}

export function createDemoCommand(commandOptions: DemoCommandOptions = {}): Command {
  const print = commandOptions.print ?? ((line: string) => console.log(line));
  const log = commandOptions.log ?? ((level, message) => (level === 'warn' || level === 'error') && logToConsole(level, message));
  return {
    name: 'demo',
    summary: 'record scripted demonstrations through sim → bridge → safety layer → recorder',
    usage,
    async run(argv) {
      const { values, tokens } = parseArgs({
        args: argv,
        options: {
          dataset: { type: 'string' },
          task: { type: 'string' },
          episodes: { type: 'string', default: '10' },
          seed: { type: 'string' },
          cameras: { type: 'string' },
          'camera-size': { type: 'string' },
          speed: { type: 'string', default: 'max' },
          timeout: { type: 'string', default: '30' },
          hold: { type: 'string', default: '1' },
          noise: { type: 'string', default: '0' },
          fumble: { type: 'string', default: '0' },
          nudge: { type: 'string', default: '0' },
          port: { type: 'string', default: '0' },
        },
        strict: true,
        tokens: true,
      });
      if (!values.dataset) throw new UsageError('--dataset is required (the folder to record into, e.g. data/pick)');
      const dir = resolve(values.dataset);
      const name = basename(dir);
      if (!DATASET_NAME_PATTERN.test(name)) throw new UsageError(`--dataset: the folder's name must be ${DATASET_NAME_TEXT}; found '${name}'`);
      const episodes = Number(values.episodes);
      if (!Number.isInteger(episodes) || episodes < 1) throw new UsageError(`--episodes expects a positive integer, got '${values.episodes}'`);
      const timeout = Number(values.timeout);
      if (!(timeout > 0)) throw new UsageError(`--timeout expects a positive number of seconds, got '${values.timeout}'`);
      const hold = Number(values.hold);
      if (!(hold >= 0) || !Number.isFinite(hold)) throw new UsageError(`--hold expects seconds ≥ 0, got '${values.hold}'`);
      const noise = Number(values.noise);
      if (!(noise >= 0 && noise <= 1)) throw new UsageError(`--noise expects a std in rad/s between 0 and 1 (e.g. 0.05), got '${values.noise}'`);
      const fumble = Number(values.fumble);
      if (!(fumble >= 0 && fumble <= 1)) throw new UsageError(`--fumble expects a fraction of episodes between 0 and 1 (e.g. 0.3), got '${values.fumble}'`);
      const nudge = Number(values.nudge);
      if (!(nudge >= 0 && nudge <= 1)) throw new UsageError(`--nudge expects a fraction of episodes between 0 and 1 (e.g. 0.3), got '${values.nudge}'`);
      const simArgv = tokens.flatMap((t) => (t.kind === 'option' && ['task', 'seed', 'cameras', 'camera-size'].includes(t.name) ? [t.rawName, t.value!] : []));
      const sim = parseSimArgs([...simArgv, '--speed', values.speed!, '--port', '0']);
      if (fumble > 0 && sim.task !== 'pick_place') throw new UsageError(`--fumble applies to --task pick_place only, found '${sim.task}'`);
      if (nudge > 0 && sim.task !== 'pick_place') throw new UsageError(`--nudge applies to --task pick_place only, found '${sim.task}'`);

      const stack = await startStack({
        sim: { ...sim, host: '127.0.0.1', log },
        port: parsePort(values.port!),
        dataDir: dirname(dir),
        ...(sim.speed === 'max' ? { controller: { watchdogPeriods: MAX_SPEED_WATCHDOG_PERIODS } } : {}),
        auditLog: commandOptions.auditLog,
        log,
      });
      try {
        await waitForJointStates(stack.connection);
        print(`demo: ${episodes} × ${sim.task} (seeds ${sim.seed}..${sim.seed + episodes - 1}), cameras ${sim.cameras.join(',') || 'none'} ${sim.cameraSize.width}x${sim.cameraSize.height}, sim speed ${sim.speed}, hold ${hold} s${noise ? `, noise σ ${noise} rad/s` : ''}${fumble ? `, fumble ${fumble}` : ''}${nudge ? `, nudge ${nudge}` : ''} → ${dir}`);
        print(`demo: watch at ${stack.url}`);
        const summary = await runDemo({
          connection: stack.connection,
          controller: stack.controller,
          recording: stack.recording,
          simUrl: stack.sim!.url,
          task: sim.task,
          episodes,
          dataset: name,
          seed: sim.seed,
          timeout,
          settle: hold,
          noise,
          fumble,
          nudge,
          onStart: (n, of, seed) => print(`episode ${n}/${of} recording (seed ${seed})`),
          onEpisode: (r, of) => print(episodeLine(r, of)),
        });
        print(summaryLine(summary, dir));
        return 0;
      } finally {
        await stack.close();
      }
    },
  };
}

export const demoCommand: Command = createDemoCommand();

export function episodeLine(r: DemoEpisodeResult, of: number): string {
  const phases = Object.entries(r.phases).map(([name, s]) => `${name} ${s.toFixed(2)}`).join(' ');
  return `episode ${r.n}/${of} ${r.outcome.padEnd(7)} sim ${r.simDuration.toFixed(2)} s  wall ${r.wallTime.toFixed(2)} s [${phases}]  (seed ${r.seed}, dataset episode ${r.episode}, ${r.commands} commands${r.excluded.length ? `, ${r.excluded.map((e) => `${e.seconds.toFixed(2)} s excluded from training (${e.reason})`).join(', ')}` : ''}${r.refused ? `, ${r.refused} refused: ${Object.entries(r.refusals).map(([code, n]) => `${code} ×${n}`).join(', ')}` : ''})`;
}

export function summaryLine(s: DemoSummary, dir: string): string {
  const ok = s.results.filter((r) => r.outcome === 'success').length;
  return `demo: ${ok}/${s.results.length} success (${(s.successRate * 100).toFixed(0)}%), ${s.results.length} episodes in ${s.wallTime.toFixed(1)} s wall = ${s.episodesPerMinute.toFixed(1)} episodes/min → ${dir}`;
}

/** The connection is up and publishing before the first reset (the sim just started). */
async function waitForJointStates(connection: { on: (e: 'joints', l: () => void) => () => void }, timeoutMs = 20_000): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no joint states from the sim within ${timeoutMs / 1000} s; expected /joint_states at 500 Hz`));
    }, timeoutMs);
    const off = connection.on('joints', () => {
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}
