import type { ArmModel } from '../../kinematics/index.ts';
import type { OutputCommand } from '../JointVelocityCommand.ts';
import type { SafetyInputs } from '../SafetyInputs.ts';

export interface KinematicArmOptions {
  arm: ArmModel;
  /** Initial joint positions (rad). */
  q0: number[];
  /** s, initial clock. Default 1000. */
  start?: number;
  /** Hz, tick rate. Default 125. */
  rate?: number;
  /** Client holding the lease. Default 'op'. */
  leaseHolder?: string;
}

/**
 * An ideal velocity-controlled arm for tests: joint positions integrate the
 * commanded velocity exactly (q += v·dt), the clock advances one period per
 * step. Stands in for the real controller so tests can check what the arm
 * would do with the safety layer's output.
 */
export class KinematicArm {
  readonly arm: ArmModel;
  readonly dt: number;
  q: number[];
  v: number[];
  now: number;
  leaseHolder?: string;
  connected = true;
  safetyMode = 1;
  force: [number, number, number] = [0, 0, 0];

  constructor(opts: KinematicArmOptions) {
    this.arm = opts.arm;
    this.dt = 1 / (opts.rate ?? 125);
    this.q = opts.q0.slice();
    this.v = opts.q0.map(() => 0);
    this.now = opts.start ?? 1000;
    this.leaseHolder = opts.leaseHolder ?? 'op';
  }

  /** The inputs a tick at the current time would see (fresh joint state). */
  inputs(overrides: Partial<SafetyInputs> = {}): SafetyInputs {
    return {
      now: this.now,
      jointPositions: this.q.slice(),
      jointVelocities: this.v.slice(),
      jointStateStamp: this.now,
      wrench: { force: [...this.force], torque: [0, 0, 0] },
      safetyMode: this.safetyMode,
      connected: this.connected,
      leaseHolder: this.leaseHolder,
      ...overrides,
    };
  }

  /** Execute `out` for one period and advance the clock. */
  apply(out: OutputCommand): void {
    this.v = out.velocities.slice();
    for (let i = 0; i < this.q.length; i++) this.q[i] += out.velocities[i] * this.dt;
    this.now += this.dt;
  }
}

/** Deterministic PRNG (mulberry32) so property tests replay exactly. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
