import { mulberry32 } from '../tasks/mulberry32.ts';

/**
 * Seeded, temporally correlated joint velocity disturbance: the simulated arm
 * does not follow its velocity command exactly, as a real one does not (servo
 * tracking error, payload, a nudge). Used for DART-style demonstrations
 * (Laskey et al. 2017): the arm drifts off the expert's path and the expert
 * corrects, so the episodes show how to recover from the small errors a
 * learned policy makes — while the recorded action stays what the expert
 * commanded, a clean label, because the disturbance is the cell's, not the
 * command's.
 *
 * One Ornstein–Uhlenbeck process per joint with stationary std `sigma` (rad/s)
 * and correlation time `tau` (s), advanced on the sim clock.
 */
export class VelocityDisturbance {
  /** Current disturbance per joint (rad/s); updated in place by `advance`. */
  readonly value: Float64Array;
  private readonly rand: () => number;
  private spare: number | undefined;

  constructor(readonly sigma: number, readonly joints: number, readonly seed: number, readonly tau = 0.3) {
    if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new Error(`VelocityDisturbance: expected sigma ≥ 0 rad/s, found ${sigma}`);
    if (!(tau > 0) || !Number.isFinite(tau)) throw new Error(`VelocityDisturbance: expected tau > 0 s, found ${tau}`);
    this.rand = mulberry32(seed ^ 0x5eed);
    this.value = new Float64Array(joints);
    if (sigma > 0) for (let j = 0; j < joints; j++) this.value[j] = sigma * this.gaussian();
  }

  /** Advances every joint's process by `dt` seconds; returns `value`. */
  advance(dt: number): Float64Array {
    if (this.sigma === 0) return this.value;
    const a = Math.exp(-Math.max(0, dt) / this.tau);
    const b = this.sigma * Math.sqrt(1 - a * a);
    for (let j = 0; j < this.joints; j++) this.value[j] = a * this.value[j] + b * this.gaussian();
    return this.value;
  }

  private gaussian(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    const u = Math.max(this.rand(), 1e-12);
    const r = Math.sqrt(-2 * Math.log(u));
    const t = 2 * Math.PI * this.rand();
    this.spare = r * Math.sin(t);
    return r * Math.cos(t);
  }
}
