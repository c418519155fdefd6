/**
 * The setpoint side of the arm's joint velocity servo, like
 * `forward_velocity_controller` on a UR: a held velocity command is ramped at
 * the joint acceleration limit, clamped to the speed limit, and integrated into
 * a position setpoint that the MuJoCo position actuators (kp, kv) track with a
 * velocity feed-forward. Tracking a setpoint — rather than a velocity — is what
 * makes the arm hold still at zero command under gravity.
 */
export interface JointVelocityServoOptions {
  maxVelocity: number[];
  maxAcceleration: number[];
  lower: number[];
  upper: number[];
  /** The setpoint stays this far inside the joint limits (rad). */
  limitMargin: number;
}

const SPEED_LIMIT_HEADROOM = 0.99;

export class JointVelocityServo {
  readonly n: number;
  /** Held command (rad/s). */
  readonly command: Float64Array;
  /** Ramped velocity setpoint (rad/s). */
  readonly velocity: Float64Array;
  /** Integrated position setpoint (rad). */
  readonly position: Float64Array;
  private readonly opts: JointVelocityServoOptions;

  constructor(opts: JointVelocityServoOptions) {
    this.opts = opts;
    this.n = opts.maxVelocity.length;
    this.command = new Float64Array(this.n);
    this.velocity = new Float64Array(this.n);
    this.position = new Float64Array(this.n);
  }

  /** Start from rest at q, command cleared. */
  resetTo(q: ArrayLike<number>): void {
    for (let i = 0; i < this.n; i++) this.position[i] = q[i];
    this.command.fill(0);
    this.velocity.fill(0);
  }

  /**
   * Advance by dt. Returns the index of a joint whose setpoint ran into its
   * limit while moving outwards (the setpoint is clamped there), or -1.
   *
   * `disturbance` (rad/s per joint) is added to the command while any joint is
   * commanded to move — tracking error, not motion of its own: a zero command
   * (a stop, the deadman) still brings the arm to rest. Speed and acceleration
   * limits hold on the sum.
   */
  advance(dt: number, disturbance?: ArrayLike<number>): number {
    const { maxVelocity, maxAcceleration, lower, upper, limitMargin } = this.opts;
    let limitHit = -1;
    let moving = false;
    if (disturbance) for (let i = 0; i < this.n; i++) moving ||= this.command[i] !== 0;
    for (let i = 0; i < this.n; i++) {
      // 1 % under the limit: the tracked joint overshoots its setpoint by
      // ~0.5 % when a ramp ends, and the measured speed must stay within the limit.
      const vmax = maxVelocity[i] * SPEED_LIMIT_HEADROOM;
      const commanded = moving ? this.command[i] + disturbance![i] : this.command[i];
      const target = Math.min(vmax, Math.max(-vmax, commanded));
      const dvMax = maxAcceleration[i] * dt;
      const v = this.velocity[i] + Math.min(dvMax, Math.max(-dvMax, target - this.velocity[i]));
      let p = this.position[i] + v * dt;
      const lo = lower[i] + limitMargin;
      const hi = upper[i] - limitMargin;
      if ((p < lo && v < 0) || (p > hi && v > 0)) {
        p = Math.min(hi, Math.max(lo, p));
        limitHit = i;
      }
      this.position[i] = p;
      this.velocity[i] = v;
    }
    return limitHit;
  }

  /** Freeze at q: zero velocity, command cleared. */
  holdAt(q: ArrayLike<number>): void {
    this.resetTo(q);
  }
}
