import type { JointSample } from '../cell/Cell.ts';
import type { RosCellConnection } from '../cell/index.ts';
import type { CellController, ControlOutput } from '../control/index.ts';
import { urProfile } from '../profiles/ur/urProfile.ts';
import type { RecordingPort } from '../recording/RecordingPort.ts';
import { createExpert, type Expert } from '../../sim/experts/index.ts';
import type { TaskName } from '../../sim/cell/SimCell.ts';
import { SimTaskChannel } from './SimTaskChannel.ts';

/** The lease holder and the episodes' operator. */
export const DEMO_CLIENT = 'demo';

export interface DemoOptions {
  /** The running stack's pieces: joint samples in, commands through the safety layer, recording. */
  connection: Pick<RosCellConnection, 'on' | 'description'>;
  controller: Pick<CellController, 'on' | 'acquireLease' | 'releaseLease' | 'jogJoints'>;
  recording: RecordingPort;
  /** The sim's rosbridge URL, for `/cell/reset`, object poses and task status. */
  simUrl: string;
  task: TaskName;
  episodes: number;
  /** Dataset name under the recording's data folder. */
  dataset: string;
  /** Episode i uses seed + i. Default 0. */
  seed?: number;
  /** Expert rate on the cell's clock, Hz. Default 50. */
  rateHz?: number;
  /** Sim seconds before an episode without success is stopped as a failure. Default 30. */
  timeout?: number;
  /**
   * Sim seconds to keep recording after success, the expert holding still: the
   * outcome is settled and the demos show the policy where to stop. Default 1.
   */
  settle?: number;
  /**
   * Std (rad/s) of the sim arm's correlated tracking error while it is
   * commanded to move (the sim's VelocityDisturbance, seeded by the episode's
   * seed): the arm drifts off the expert's path and the expert corrects, so
   * the demos show recoveries, while the recorded action stays the expert's
   * command — a clean label (DART). Default 0: the arm tracks exactly.
   */
  noise?: number;
  /**
   * pick_place: fraction of episodes whose first grasp the expert aims beside the cube, so
   * the demos show it noticing the empty grip, backing up and grasping again (seeded by the
   * episode's seed; PickPlaceExpertOptions.fumble). Default 0.
   */
  fumble?: number;
  /**
   * pick_place: fraction of episodes whose approach is aimed 2–4 cm beside the cube until near
   * the grasp height, then corrected on the way down (PickPlaceExpertOptions.nudge). Default 0.
   */
  nudge?: number;
  /** Wall seconds without a joint sample after which the demo gives up (the cell died). Default 10. */
  silenceTimeout?: number;
  onEpisode?: (result: DemoEpisodeResult, of: number) => void;
  onStart?: (n: number, of: number, seed: number) => void;
}

export interface DemoEpisodeResult {
  /** 1-based position in this run. */
  n: number;
  /** Index in the dataset. */
  episode: number;
  seed: number;
  outcome: 'success' | 'failure';
  /** Sim seconds from the first command to the stop. */
  simDuration: number;
  /** Wall seconds of the whole episode, reset to closed file. */
  wallTime: number;
  /** Wall seconds per phase. */
  phases: { reset: number; start: number; act: number; stop: number };
  commands: number;
  /** Commands the safety layer refused (e.g. `gate_closed` while the controller's watchdog saw the cell silent). */
  refused: number;
  refusals: Record<string, number>;
  /** Spans recorded as excluded from training (the expert's deliberate mistakes): length in sim seconds, why. */
  excluded: { seconds: number; reason: string }[];
}

export interface DemoSummary {
  results: DemoEpisodeResult[];
  successRate: number;
  wallTime: number;
  episodesPerMinute: number;
}

const wall = (): number => performance.now() / 1000;
/** finger_joint's closed position (rad): the expert observes the joint, the bridge reports 0..1. */
const FINGER_CLOSED = urProfile.defaults.gripper?.closedPosition ?? 0.8;

/**
 * Scripted demonstrations through the whole stack: for each episode reset
 * the sim, start recording, run the expert with commands going through the
 * controller (lease, safety layer, fixed rate — the recorded action is what
 * the layer sent), and stop with the outcome the sim reports.
 */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const sim = await SimTaskChannel.connect(options.simUrl);
  const lease = options.controller.acquireLease(DEMO_CLIENT);
  if (!lease.accepted) {
    sim.close();
    throw new Error(`demo: could not take the control lease (${lease.code}): ${lease.message}`);
  }
  const results: DemoEpisodeResult[] = [];
  const t0 = wall();
  try {
    for (let i = 0; i < options.episodes; i++) {
      const seed = (options.seed ?? 0) + i;
      options.onStart?.(i + 1, options.episodes, seed);
      const result = await runDemoEpisode(options, sim, i + 1, seed);
      results.push(result);
      options.onEpisode?.(result, options.episodes);
    }
  } finally {
    options.controller.releaseLease(DEMO_CLIENT);
    sim.close();
  }
  const wallTime = wall() - t0;
  const successes = results.filter((r) => r.outcome === 'success').length;
  return { results, successRate: results.length ? successes / results.length : 0, wallTime, episodesPerMinute: results.length / (wallTime / 60) };
}

/** One episode: reset → start → act → stop, each phase timed. */
async function runDemoEpisode(options: DemoOptions, sim: SimTaskChannel, n: number, seed: number): Promise<DemoEpisodeResult> {
  const { controller, recording } = options;
  const t0 = wall();

  // reset: the new layout, known once its object poses arrived.
  await sim.reset(options.task, seed);
  if ((options.noise ?? 0) > 0) await sim.setDisturbance(options.noise!, seed);
  const t1 = wall();

  // start: recording is on before the first command.
  const started = await recording.start({ dataset: options.dataset, task: options.task, operator: DEMO_CLIENT, notes: `scripted ${options.task} expert, seed ${seed}` });
  const t2 = wall();

  // act: the expert on the cell's clock, every command through the safety layer.
  let act: ActResult;
  try {
    act = await driveExpert(options, sim, createExpert(options.task, { seed, fumble: options.fumble, nudge: options.nudge }));
  } catch (error) {
    await recording.stop({ outcome: 'discard', notes: `demo aborted: ${(error as Error).message}` }).catch(() => undefined);
    throw error;
  }
  const t3 = wall();

  // stop: zeros are sent (and recorded) before the episode closes.
  await untilOutput(controller, (o) => o.velocities.every((v) => v === 0), () => controller.jogJoints(DEMO_CLIENT, zeros(options), act.gripper));
  const outcome = act.success ? 'success' : 'failure';
  await recording.stop({
    outcome,
    notes: act.success ? undefined : `no success within ${options.timeout ?? 30} s of sim time (progress ${sim.progress.toFixed(2)})`,
    ...(act.excluded.length > 0 ? { excluded: act.excluded } : {}),
  });
  const t4 = wall();
  return {
    n,
    episode: started.episode ?? -1,
    seed,
    outcome,
    simDuration: act.duration,
    wallTime: t4 - t0,
    phases: { reset: t1 - t0, start: t2 - t1, act: t3 - t2, stop: t4 - t3 },
    commands: act.commands,
    refused: act.refused,
    refusals: act.refusals,
    excluded: act.excluded.map((s) => ({ seconds: s.end - s.start, reason: s.reason })),
  };
}

type Span = { start: number; end: number; reason: string };
type ActResult = {
  success: boolean; duration: number; commands: number; refused: number; refusals: Record<string, number>; gripper: number;
  /** Where the expert acted a deliberate mistake (ExpertAction.perturbation), on the cell's clock. */
  excluded: Span[];
};

/** The control loop: ticks follow joint-sample stamps at `rateHz`; ends on settled success, timeout, an e-stop, or silence. */
function driveExpert(options: DemoOptions, sim: SimTaskChannel, expert: Expert): Promise<ActResult> {
  const rate = options.rateHz ?? 50;
  const timeout = options.timeout ?? 30;
  const settle = options.settle ?? 1;
  const silence = (options.silenceTimeout ?? 10) * 1000;
  expert.reset();
  return new Promise<ActResult>((resolve, reject) => {
    let start: number | undefined;
    let nextTick = -Infinity;
    let commands = 0;
    let refused = 0;
    const refusals: Record<string, number> = {};
    let gripper = 0;
    let lastSampleWall = performance.now();
    const excluded: Span[] = [];
    let open: Span | undefined;
    /** Extends or closes the current perturbation span at `now` (a span covers the ticks whose commands carry a reason). */
    const track = (now: number, reason: string | undefined, pad = 0): void => {
      if (open != null && open.reason !== reason) {
        excluded.push({ ...open, end: now + pad });
        open = undefined;
      }
      if (reason != null) open ??= { start: now, end: now, reason };
    };
    const finish = (result: { success: boolean; now: number } | Error): void => {
      off();
      clearInterval(watchdog);
      if (result instanceof Error) return reject(result);
      track(result.now, undefined);
      resolve({ success: result.success, duration: result.now - (start ?? result.now), commands, refused, refusals, gripper, excluded });
    };
    const watchdog = setInterval(() => {
      if (performance.now() - lastSampleWall > silence) finish(new Error(`no joint state from the cell for ${silence / 1000} s; expected ${options.connection.description.jointNames.length} joints at 500 Hz`));
    }, 250);
    const off = options.connection.on('joints', (s: JointSample) => {
      lastSampleWall = performance.now();
      const now = s.stamp;
      if (now < nextTick || !sim.objects) return;
      start ??= now;
      nextTick = now + 1 / rate;
      if (sim.successAt !== undefined && now - sim.successAt >= settle) return finish({ success: true, now });
      if (now - start > timeout) return finish({ success: false, now });
      const out = expert.act({ time: now - start, jointPositions: s.position.slice(0, 6), gripper: (s.gripper ?? 0) * FINGER_CLOSED, objects: sim.objects });
      // A span ends a tick after the last perturbed command, so the aligned frames that still hold it (published at the
      // controller's rate, a few ms after the tick) stay inside.
      track(now, out.perturbation, 1 / rate);
      gripper = out.gripper;
      const r = options.controller.jogJoints(DEMO_CLIENT, out.jointVelocities, out.gripper);
      commands++;
      if (r.accepted) return;
      refused++;
      refusals[r.code ?? 'refused'] = (refusals[r.code ?? 'refused'] ?? 0) + 1;
      if (r.code === 'estopped' || r.code === 'not_lease_holder') finish(new Error(`command refused (${r.code}): ${r.message}`));
    });
  });
}

/** Submits with `send` on every output until one matches (the safety layer answers on its next tick). */
function untilOutput(controller: DemoOptions['controller'], matches: (o: ControlOutput) => boolean, send: () => void, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    const off = controller.on('output', (o) => (matches(o) ? done() : send()));
    function done(): void {
      clearTimeout(timer);
      off();
      resolve();
    }
    send();
  });
}

function zeros(options: DemoOptions): number[] {
  return new Array<number>(options.connection.description.jointNames.length).fill(0);
}
