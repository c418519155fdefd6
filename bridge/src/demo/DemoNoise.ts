import { mulberry32 } from '../../sim/tasks/mulberry32.ts';

/**
 * Seeded, temporally correlated noise added to a scripted expert's joint
 * velocities during a demonstration (DART, Laskey et al. 2017): the arm is
 * nudged off the expert's path and the expert corrects, so the recorded
 * episodes show how to recover from the small errors a learned policy makes —
 * states that clean demonstrations never visit. The noise is zero-mean, so a
 * policy trained on the commands actually sent still learns the expert's mean.
 *
 * One Ornstein–Uhlenbeck process per joint with stationary std `sigma` (rad/s)
 * and correlation time `tau` (s).
 */
export class DemoNoise {
  private readonly rand: () => number;
  private readonly value: Float64Array;
  private spare: number | undefined;

  constructor(readonly sigma: number, readonly joints: number, seed: number, readonly tau = 0.3) {
    if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new Error(`DemoNoise: expected sigma ≥ 0 rad/s, found ${sigma}`);
    if (!(tau > 0)) throw new Error(`DemoNoise: expected tau > 0 s, found ${tau}`);
    this.rand = mulberry32(seed ^ 0x5eed);
    this.value = new Float64Array(joints);
    for (let j = 0; j < joints; j++) this.value[j] = sigma * this.gaussian();
  }

  /** Advances every joint's process by `dt` seconds and returns `velocities` plus the noise (a new array). */
  apply(velocities: readonly number[], dt: number): number[] {
    if (this.sigma === 0) return velocities.slice();
    const a = Math.exp(-Math.max(0, dt) / this.tau);
    const b = this.sigma * Math.sqrt(1 - a * a);
    return velocities.map((v, j) => {
      if (j >= this.joints) return v;
      this.value[j] = a * this.value[j] + b * this.gaussian();
      return v + this.value[j];
    });
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
