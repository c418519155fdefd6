import type { SimCell } from '../cell/SimCell.ts';
import { SAFETY_MODE } from '../cell/SimCell.ts';
import type { TaskName } from '../tasks/index.ts';
import type { Expert, ExpertObservation } from './expertTypes.ts';

export interface RunExpertEpisodeOptions {
  task: TaskName;
  seed: number;
  /** Expert rate (Hz, default 50). */
  controlHz?: number;
  /** Give up after this much sim time (s, default 30). */
  maxSeconds?: number;
  /** Sim time to keep stepping after the expert says done, so the scene settles (s, default 0.5). */
  settleSeconds?: number;
}

export interface EpisodeResult {
  task: TaskName;
  seed: number;
  success: boolean;
  /** Sim seconds until the expert said done (or the time limit). */
  duration: number;
  expertDone: boolean;
  protectiveStops: number;
  /** Largest TCP speed commanded… not measured here; the largest joint speed seen (rad/s). */
  maxJointSpeed: number;
}

/** Observation built from public cell outputs only: joint states and object poses. */
export function observe(cell: SimCell): ExpertObservation {
  const js = cell.jointState();
  return { time: cell.time, jointPositions: js.position.slice(0, 6), gripper: js.position[6], objects: cell.objectPoses() };
}

/**
 * Closed loop in-process: reset the cell, call the expert at `controlHz`,
 * hold its command between calls (as the velocity controller does), step.
 */
export function runExpertEpisode(cell: SimCell, expert: Expert, opts: RunExpertEpisodeOptions): EpisodeResult {
  const controlHz = opts.controlHz ?? 50;
  const maxSeconds = opts.maxSeconds ?? 30;
  const settle = opts.settleSeconds ?? 0.5;
  cell.reset({ task: opts.task, seed: opts.seed });
  expert.reset();
  const stepsPerTick = Math.max(1, Math.round(1 / controlHz / cell.timestep));
  const maxSteps = Math.round(maxSeconds / cell.timestep);
  let protectiveStops = 0;
  let maxJointSpeed = 0;
  let done = false;
  let duration = maxSeconds;
  let steps = 0;
  while (steps < maxSteps && !done) {
    const action = expert.act(observe(cell));
    cell.setJointVelocityCommand(action.jointVelocities);
    cell.setGripperCommand(action.gripper);
    if (action.done) {
      done = true;
      duration = cell.episodeTime;
      break;
    }
    for (let k = 0; k < stepsPerTick; k++) {
      cell.step();
      steps++;
      if (cell.safetyMode() !== SAFETY_MODE.NORMAL) {
        protectiveStops++;
        cell.unlockProtectiveStop();
      }
    }
    const v = cell.jointState().velocity;
    for (let i = 0; i < 6; i++) maxJointSpeed = Math.max(maxJointSpeed, Math.abs(v[i]));
  }
  const settleSteps = Math.round(settle / cell.timestep);
  for (let k = 0; k < settleSteps; k++) cell.step();
  return { task: opts.task, seed: opts.seed, success: cell.taskStatus().success, duration, expertDone: done, protectiveStops, maxJointSpeed };
}
