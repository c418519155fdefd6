import { SAFETY_MODE as UR_SAFETY_MODE } from '@cellkit/datasets/core';
import type { ArmModel } from '../kinematics/index.ts';

/** Vector of three numbers in the robot base frame (metres). */
export type Vec3 = [number, number, number];

/**
 * Everything the safety layer enforces. Loaded from the cell config by the
 * caller; every field has a safe default (see `defaultSafetyLimits`) and the
 * README explains each rule and its default.
 */
export interface SafetyLimits {
  /**
   * rad. Inside this distance from a joint limit the velocity toward the limit
   * is scaled down linearly, reaching zero `jointStopMargin` before the limit.
   * Default 0.1. (A braking cap derived from the acceleration limit may start
   * slowing earlier; see README.)
   */
  jointPositionMargin: number;
  /** rad. Distance before the joint limit where motion toward it must have stopped. Default 0.01. */
  jointStopMargin: number;
  /** rad/s per joint. Default: the arm's rated speed, capped at 1.0 rad/s for teleoperation. */
  maxJointVelocity: number[];
  /** rad/s² per joint. Default: the arm model's conservative ramp (UR5e 4 / 8). */
  maxJointAcceleration: number[];
  /** m/s, linear speed of the TCP. Default 0.25 (ISO 10218-1 reduced speed, 250 mm/s). */
  maxTcpSpeed: number;
  /**
   * TCP box in the base frame. Motion that would leave it is removed; motion
   * back in is allowed. Default: a box inside the arm's reach, 5 cm above the
   * mounting plane. The cell config should always set the real one.
   */
  workspace: { min: Vec3; max: Vec3 };
  /** N. Measured force magnitude above this stops motion. Default 80. */
  maxForce: number;
  /** Motion resumes only once the force is below `maxForce × forceReleaseRatio` (and a new command arrives). Default 0.8. */
  forceReleaseRatio: number;
  /**
   * m/s. While a force stop holds, a person (teleop, never a policy) may back
   * the arm off the contact with new commands at up to this TCP speed; 0
   * disables it (then only freedrive on the pendant frees a pressing arm).
   * Default 0.02 (20 mm/s).
   */
  forceRecoverySpeed: number;
  /**
   * N. Backing off stops if the force rises this far above the lowest force
   * measured since the stop (the person moved into the contact, not away).
   * Default 10.
   */
  forceRecoveryRise: number;
  /** s. A command older than this becomes zero velocity. Default 0.1. */
  deadmanTimeout: number;
  /** s. Joint state older than this (or this far in the future) closes the connection gate. Default 0.05. */
  maxObservationAge: number;
  /** Hz. The rate the control loop calls `tick`. Default 125, allowed 1..500. */
  publishRate: number;
  /**
   * UR SafetyMode values in which motion is allowed. Default [1] (NORMAL only):
   * REDUCED (2) usually means a person tripped a safety plane or scanner, so we
   * stop and wait for a person to decide, rather than keep moving slower.
   */
  allowedSafetyModes: number[];
  /** s. At most one event per code within this interval; the rest are counted. Default 1. */
  eventInterval: number;
}

/** Teleoperation cap on joint speed (rad/s), well under the UR5e's rated 3.14 rad/s. */
export const TELEOP_MAX_JOINT_VELOCITY = 1.0;
/** ISO 10218-1 reduced speed: the TCP must not exceed 250 mm/s (m/s here). */
export const ISO_10218_REDUCED_SPEED = 0.25;
/** Hard ceiling on `publishRate`: UR's real-time interface runs at 500 Hz. */
export const MAX_PUBLISH_RATE = 500;

/** Safe defaults for an arm; see each field of `SafetyLimits`. */
export function defaultSafetyLimits(arm: ArmModel): SafetyLimits {
  const { a, d } = arm.dh;
  // Horizontal reach of the upper arm and forearm; keep the default box to
  // 80% of it so the arm is never driven to full stretch (a singularity).
  const r = 0.8 * (Math.abs(a[1] ?? 0) + Math.abs(a[2] ?? 0));
  const base = d[0] ?? 0;
  return {
    jointPositionMargin: 0.1,
    jointStopMargin: 0.01,
    maxJointVelocity: arm.maxJointVelocity.map((v) => Math.min(v, TELEOP_MAX_JOINT_VELOCITY)),
    maxJointAcceleration: [...arm.maxJointAcceleration],
    maxTcpSpeed: ISO_10218_REDUCED_SPEED,
    workspace: { min: [-r, -r, 0.05], max: [r, r, base + r] },
    maxForce: 80,
    forceReleaseRatio: 0.8,
    forceRecoverySpeed: 0.02,
    forceRecoveryRise: 10,
    deadmanTimeout: 0.1,
    maxObservationAge: 0.05,
    publishRate: 125,
    allowedSafetyModes: [1],
    eventInterval: 1,
  };
}

/**
 * Defaults overlaid with `overrides`, validated. Throws on any unsafe or
 * malformed value, saying what was expected and what was found: a bad safety
 * config must stop the bridge from starting, never be silently repaired.
 */
export function resolveSafetyLimits(arm: ArmModel, overrides: Partial<SafetyLimits> = {}): SafetyLimits {
  const defaults = defaultSafetyLimits(arm);
  const limits: SafetyLimits = { ...defaults };
  for (const [key, value] of Object.entries(overrides) as [keyof SafetyLimits, unknown][]) {
    if (value === undefined) continue;
    if (!(key in defaults)) throw new Error(`safety limits: unknown field "${key}". Expected one of ${Object.keys(defaults).join(', ')}.`);
    (limits as unknown as Record<string, unknown>)[key] = value;
  }
  validate(arm, limits);
  // Copy arrays so later changes to the caller's config cannot alter live limits.
  return {
    ...limits,
    maxJointVelocity: [...limits.maxJointVelocity],
    maxJointAcceleration: [...limits.maxJointAcceleration],
    workspace: { min: [...limits.workspace.min] as Vec3, max: [...limits.workspace.max] as Vec3 },
    allowedSafetyModes: [...limits.allowedSafetyModes],
  };
}

/**
 * s. The braking time constant: the longest any joint needs to stop from its
 * top speed at its acceleration limit. Position and workspace caps are
 * "distance / brakingTime", which the ramp-down can always honour (README).
 */
export function brakingTime(limits: SafetyLimits): number {
  let tau = 2 / limits.publishRate;
  for (let i = 0; i < limits.maxJointVelocity.length; i++) {
    tau = Math.max(tau, limits.maxJointVelocity[i] / limits.maxJointAcceleration[i]);
  }
  return tau;
}

function validate(arm: ArmModel, l: SafetyLimits): void {
  const n = arm.jointNames.length;
  const fail = (field: string, expected: string, found: unknown): never => {
    throw new Error(`safety limits: ${field} expected ${expected}, found ${JSON.stringify(found)}.`);
  };
  const positive = (field: keyof SafetyLimits): void => {
    const v = l[field];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) fail(field, 'a finite number > 0', v);
  };
  const perJoint = (field: 'maxJointVelocity' | 'maxJointAcceleration', ceiling: number[]): void => {
    const v = l[field];
    if (!Array.isArray(v) || v.length !== n) fail(field, `${n} values (one per joint of ${arm.name})`, v);
    v.forEach((x, i) => {
      if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0) fail(`${field}[${i}]`, 'a finite number > 0', x);
      if (x > ceiling[i]) fail(`${field}[${i}]`, `at most the ${arm.name} rating ${ceiling[i].toFixed(3)}`, x);
    });
  };
  positive('jointPositionMargin');
  if (typeof l.jointStopMargin !== 'number' || !(l.jointStopMargin >= 0)) fail('jointStopMargin', 'a finite number >= 0', l.jointStopMargin);
  if (!(l.jointPositionMargin > l.jointStopMargin)) {
    fail('jointPositionMargin', `more than jointStopMargin (${l.jointStopMargin})`, l.jointPositionMargin);
  }
  perJoint('maxJointVelocity', arm.maxJointVelocity);
  // The arm model's accelerations are already conservative; allow up to 10x for stiff cells.
  perJoint('maxJointAcceleration', arm.maxJointAcceleration.map((a) => 10 * a));
  positive('maxTcpSpeed');
  positive('maxForce');
  positive('deadmanTimeout');
  positive('maxObservationAge');
  positive('eventInterval');
  positive('publishRate');
  if (l.publishRate > MAX_PUBLISH_RATE) fail('publishRate', `at most ${MAX_PUBLISH_RATE} Hz`, l.publishRate);
  if (!(l.deadmanTimeout > 1 / l.publishRate)) {
    fail('deadmanTimeout', `more than one publish period (${(1 / l.publishRate).toFixed(4)} s)`, l.deadmanTimeout);
  }
  if (!(l.forceReleaseRatio > 0 && l.forceReleaseRatio < 1)) fail('forceReleaseRatio', 'a number in (0, 1)', l.forceReleaseRatio);
  if (typeof l.forceRecoverySpeed !== 'number' || !(l.forceRecoverySpeed >= 0 && l.forceRecoverySpeed <= Math.min(0.05, l.maxTcpSpeed))) {
    fail('forceRecoverySpeed', `a number in [0, ${Math.min(0.05, l.maxTcpSpeed)}] m/s (0 = off; at most 50 mm/s and maxTcpSpeed)`, l.forceRecoverySpeed);
  }
  positive('forceRecoveryRise');
  const ws = l.workspace;
  if (!ws || !Array.isArray(ws.min) || !Array.isArray(ws.max) || ws.min.length !== 3 || ws.max.length !== 3) {
    fail('workspace', '{ min: [x,y,z], max: [x,y,z] }', ws);
  }
  for (let k = 0; k < 3; k++) {
    if (!Number.isFinite(ws.min[k]) || !Number.isFinite(ws.max[k]) || !(ws.min[k] < ws.max[k])) {
      fail(`workspace axis ${'xyz'[k]}`, 'finite min < max', [ws.min[k], ws.max[k]]);
    }
  }
  if (!Array.isArray(l.allowedSafetyModes) || l.allowedSafetyModes.length === 0 || !l.allowedSafetyModes.every(Number.isInteger)) {
    fail('allowedSafetyModes', 'a non-empty list of UR SafetyMode integers', l.allowedSafetyModes);
  }
  // PROTECTIVE_STOP and every stop/fault mode mean the controller has halted the arm: never resume through them.
  const forbidden = l.allowedSafetyModes.filter((m) => m !== UR_SAFETY_MODE.NORMAL && m !== UR_SAFETY_MODE.REDUCED);
  if (forbidden.length > 0) fail('allowedSafetyModes', 'only NORMAL (1) and optionally REDUCED (2)', l.allowedSafetyModes);
}

/** UR SafetyMode (ur_dashboard_msgs/msg/SafetyMode): one definition, with the ROS message types in datasets. */
export { SAFETY_MODE as UR_SAFETY_MODE } from '@cellkit/datasets/core';

/** Name of a UR SafetyMode value, for messages. */
export function safetyModeName(mode: number): string {
  for (const [name, value] of Object.entries(UR_SAFETY_MODE)) if (value === mode) return name;
  return `UNKNOWN(${mode})`;
}
