import { UR5E, dampedLeastSquares, forwardKinematics, jacobian } from '../../src/kinematics/index.ts';
import type { ArmModel } from '../../src/kinematics/index.ts';
import { CELL_LAYOUT } from '../model/cellLayout.ts';

export type Vec3 = [number, number, number];

/**
 * Gain (1/s) of the last millimetres when a command has a speed floor (0.04 m/s holds down to
 * 5 mm): high enough for a short tail, low enough that tracking noise near a goal does not
 * become large velocity jitter in the demos.
 */
export const MIN_SPEED_GAIN = 8;

/** A tool-down pose: TCP position and the heading (rad, about world z) of the gripper's closing axis. */
export interface ToolDownTarget {
  position: Vec3;
  heading: number;
}

export interface CartesianControllerOptions {
  arm?: ArmModel;
  /** TCP offset from the flange (default the cell's TCP). */
  toolOffset?: Vec3;
  /** Proportional gain on position error (1/s, default 4). */
  positionGain?: number;
  /** Proportional gain on orientation error (1/s, default 4). */
  rotationGain?: number;
  /** TCP speed cap (m/s, default 0.2: under the 0.25 m/s limit with margin). */
  maxLinearSpeed?: number;
  /** Angular speed cap (rad/s, default 1.2). */
  maxAngularSpeed?: number;
  /** Fraction of each joint's speed limit the output may use (default 0.8). */
  jointSpeedFraction?: number;
}

export interface CartesianCommand {
  jointVelocities: number[];
  /** Distance from TCP to the target position (m). */
  positionError: number;
  /** Rotation angle between the tool and the target orientation (rad, approx.). */
  orientationError: number;
  /** Current TCP position (m). */
  tcp: Vec3;
  /** Current heading of the closing axis (rad). */
  heading: number;
}

/**
 * Resolved-rate control with the public kinematics only: a P controller on the
 * TCP pose error gives a twist, capped in speed, mapped to joint velocities by
 * damped least squares, then scaled down uniformly if any joint would exceed
 * its share of the speed limit (uniform scaling keeps the TCP path straight).
 */
export class CartesianController {
  private readonly arm: ArmModel;
  private readonly tool: Vec3;
  private readonly o: Required<Omit<CartesianControllerOptions, 'arm' | 'toolOffset'>>;

  constructor(opts: CartesianControllerOptions = {}) {
    this.arm = opts.arm ?? UR5E;
    this.tool = opts.toolOffset ?? [...CELL_LAYOUT.tcpOffset];
    this.o = {
      positionGain: opts.positionGain ?? 4,
      rotationGain: opts.rotationGain ?? 4,
      maxLinearSpeed: opts.maxLinearSpeed ?? 0.2,
      maxAngularSpeed: opts.maxAngularSpeed ?? 1.2,
      jointSpeedFraction: opts.jointSpeedFraction ?? 0.8,
    };
  }

  /** Where the TCP is and which way the closing axis points, for joint positions q. */
  toolPose(q: ArrayLike<number>): { tcp: Vec3; heading: number; rotation: number[] } {
    const pose = forwardKinematics(this.arm, q, this.tool);
    const R = pose.rotation;
    return { tcp: pose.position, heading: Math.atan2(R[3], R[0]), rotation: R };
  }

  /**
   * Joint velocities driving the TCP towards `target`, at most `maxSpeed` m/s (default the controller's cap).
   * `minSpeed` (m/s, default 0) is a floor on the TCP speed while the target is farther than
   * minSpeed / MIN_SPEED_GAIN (a few mm): the approach keeps a steady pace instead of the P
   * controller's long exponential crawl, and only the last millimetres slow down (gain MIN_SPEED_GAIN,
   * so a 50 Hz loop does not overshoot).
   */
  command(q: ArrayLike<number>, target: ToolDownTarget, maxSpeed?: number, minSpeed = 0): CartesianCommand {
    const { tcp, heading, rotation: R } = this.toolPose(q);
    const o = this.o;
    const e = [target.position[0] - tcp[0], target.position[1] - tcp[1], target.position[2] - tcp[2]];
    const positionError = Math.hypot(e[0], e[1], e[2]);
    const vCap = Math.min(maxSpeed ?? o.maxLinearSpeed, o.maxLinearSpeed);
    const vFloor = Math.min(minSpeed, positionError * MIN_SPEED_GAIN, vCap);
    let v = e.map((x) => x * o.positionGain);
    const vNorm = Math.hypot(v[0], v[1], v[2]);
    if (vNorm > vCap) v = v.map((x) => (x * vCap) / vNorm);
    else if (vNorm > 0 && vNorm < vFloor) v = v.map((x) => (x * vFloor) / vNorm);

    // Desired rotation, tool z straight down: columns x = (c, s, 0), y = (s, −c, 0), z = (0, 0, −1).
    const c = Math.cos(target.heading);
    const s = Math.sin(target.heading);
    const Rd = [c, s, 0, s, -c, 0, 0, 0, -1];
    const w = [0, 0, 0];
    for (let k = 0; k < 3; k++) {
      // 0.5 Σ r_k × rd_k over the columns: the rotation error vector (small-angle exact).
      const a = [R[k], R[3 + k], R[6 + k]];
      const b = [Rd[k], Rd[3 + k], Rd[6 + k]];
      w[0] += 0.5 * (a[1] * b[2] - a[2] * b[1]);
      w[1] += 0.5 * (a[2] * b[0] - a[0] * b[2]);
      w[2] += 0.5 * (a[0] * b[1] - a[1] * b[0]);
    }
    const orientationError = Math.asin(Math.min(1, Math.hypot(w[0], w[1], w[2])));
    let om = w.map((x) => x * o.rotationGain);
    const omNorm = Math.hypot(om[0], om[1], om[2]);
    if (omNorm > o.maxAngularSpeed) om = om.map((x) => (x * o.maxAngularSpeed) / omNorm);

    const J = jacobian(this.arm, q, this.tool);
    const qd = dampedLeastSquares(J, [v[0], v[1], v[2], om[0], om[1], om[2]]);
    let scale = 1;
    for (let i = 0; i < qd.length; i++) {
      const lim = this.arm.maxJointVelocity[i] * o.jointSpeedFraction;
      if (Math.abs(qd[i]) * scale > lim) scale = lim / Math.abs(qd[i]);
    }
    return { jointVelocities: qd.map((x) => x * scale), positionError, orientationError, tcp, heading };
  }
}

/** The angle among `base + k·period` closest to `current` (a cube's faces repeat every quarter turn). */
export function nearestEquivalentAngle(base: number, current: number, period: number): number {
  const k = Math.round((current - base) / period);
  return base + k * period;
}

/** Yaw (rad) of a quaternion given as x, y, z, w. */
export function yawOf(q: ArrayLike<number>): number {
  const [x, y, z, w] = [q[0], q[1], q[2], q[3]];
  return Math.atan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z));
}
