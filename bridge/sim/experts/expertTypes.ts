import type { ObjectPose } from '../cell/SimCell.ts';

/**
 * What an expert sees: only what the cell publishes — `/joint_states` and
 * `/cell/object_poses` — never MuJoCo internals, so the same expert can run
 * against the cell through the bridge.
 */
export interface ExpertObservation {
  /** Seconds (any monotonic clock; experts use differences only). */
  time: number;
  /** The 6 arm joint positions (rad), UR_JOINT_NAMES order. */
  jointPositions: number[];
  /** finger_joint position (rad, 0 open … 0.8 closed). */
  gripper: number;
  /** cube, target, goal poses in the base frame. */
  objects: ObjectPose[];
}

export interface ExpertAction {
  /** rad/s for the 6 arm joints; within joint speed limits and a TCP speed ≤ 0.25 m/s. */
  jointVelocities: number[];
  /** Gripper command 0 open … 1 closed. */
  gripper: number;
  /** True once the expert has finished (it then commands zero velocity). */
  done: boolean;
  /**
   * Why this command should not be learned from, while the expert acts out a deliberate
   * mistake (a fumbled first grasp): the demo records the span as excluded from training and
   * keeps the recovery that follows. Absent: a command to imitate.
   */
  perturbation?: string;
}

export interface Expert {
  reset(): void;
  act(obs: ExpertObservation): ExpertAction;
}

export function objectPosition(obs: ExpertObservation, name: string): [number, number, number] {
  const o = obs.objects.find((x) => x.name === name);
  if (!o) throw new Error(`Expert: expected an object named '${name}' in the observation, found ${obs.objects.map((x) => x.name).join(', ') || 'none'}.`);
  return o.position;
}

export function objectOrientation(obs: ExpertObservation, name: string): [number, number, number, number] {
  const o = obs.objects.find((x) => x.name === name);
  if (!o) throw new Error(`Expert: expected an object named '${name}' in the observation, found none.`);
  return o.orientation;
}

export const ZERO_VELOCITY = [0, 0, 0, 0, 0, 0];
