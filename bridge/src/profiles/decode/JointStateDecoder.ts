import type { JointSample } from '../../cell/Cell.ts';
import type { CellInput } from '../RobotProfile.ts';
import { headerStamp } from './rosTime.ts';

export interface JointStateDecoderOptions {
  /** Topic name, for messages. */
  topic: string;
  /** The arm's joints in command order: the order samples are reported in. */
  jointNames: string[];
  /** A gripper reported as a joint: its position / closedPosition → 0 open … 1 closed. */
  gripper?: { joint: string; closedPosition: number } | null;
}

/**
 * sensor_msgs/JointState → JointSample, mapping by joint NAME: drivers do not
 * promise an order (ur_robot_driver publishes alphabetically on some
 * versions), and a gripper or second arm may share the topic, even in
 * separate messages. A message with only the gripper joint updates the
 * gripper and emits nothing; one with some but not all arm joints is a fault.
 */
export class JointStateDecoder {
  private readonly opts: JointStateDecoderOptions;
  private cacheKey = '';
  private cache: { arm: number[]; gripper: number } = { arm: [], gripper: -1 };
  private gripper?: number;

  constructor(opts: JointStateDecoderOptions) {
    this.opts = opts;
  }

  decode(msg: unknown, receivedAt: number): CellInput {
    const m = msg as { name?: unknown; position?: unknown; velocity?: unknown; effort?: unknown };
    if (!Array.isArray(m?.name) || !isNumberList(m.position) || m.position.length !== m.name.length) {
      return this.problem(
        `${this.opts.topic}: expected a JointState with as many positions as names, found ${describe(m?.name)} names and ${describe(m?.position)} positions`,
        'Check the topic type in the cell config; the driver may publish something else on this topic.',
      );
    }
    const names = m.name as string[];
    const idx = this.indices(names);
    const pos = m.position;
    if (idx.gripper >= 0 && this.opts.gripper) {
      const g = pos[idx.gripper] / this.opts.gripper.closedPosition;
      if (Number.isFinite(g)) this.gripper = Math.min(1, Math.max(0, g));
    }
    const found = idx.arm.filter((i) => i >= 0).length;
    if (found === 0) return { kind: 'none' };
    if (found < idx.arm.length) {
      const missing = this.opts.jointNames.filter((_, k) => idx.arm[k] < 0);
      return this.problem(
        `${this.opts.topic}: expected joints ${this.opts.jointNames.join(', ')}, missing ${missing.join(', ')} (found ${names.join(', ')})`,
        'Set jointNames in the cell config to the names the driver publishes (e.g. with its tf prefix).',
      );
    }
    // Velocity and effort may be empty (allowed by the message definition): report zeros then.
    const vel = isNumberList(m.velocity) && m.velocity.length === names.length ? m.velocity : undefined;
    const eff = isNumberList(m.effort) && m.effort.length === names.length ? m.effort : undefined;
    const position = idx.arm.map((i) => pos[i]);
    const velocity = idx.arm.map((i) => (vel ? vel[i] : 0));
    const effort = idx.arm.map((i) => (eff ? eff[i] : 0));
    if (!position.every(Number.isFinite) || !velocity.every(Number.isFinite)) {
      return this.problem(
        `${this.opts.topic}: expected finite joint positions and velocities, found [${position.join(', ')}] / [${velocity.join(', ')}]`,
        'The driver is reporting invalid joint states; check the robot and its driver.',
      );
    }
    const sample: JointSample = { stamp: headerStamp(msg, receivedAt), receivedAt, position, velocity, effort };
    if (this.opts.gripper && this.gripper !== undefined) sample.gripper = this.gripper;
    return { kind: 'joints', sample };
  }

  /** Index of each arm joint (-1 if absent) and of the gripper joint, cached per name list. */
  private indices(names: string[]): { arm: number[]; gripper: number } {
    const key = names.join('\n');
    if (key !== this.cacheKey) {
      this.cacheKey = key;
      this.cache = {
        arm: this.opts.jointNames.map((n) => names.indexOf(n)),
        gripper: this.opts.gripper ? names.indexOf(this.opts.gripper.joint) : -1,
      };
    }
    return this.cache;
  }

  private problem(message: string, tip: string): CellInput {
    return { kind: 'problem', problem: { severity: 'error', message, tip } };
  }
}

/** A number[] or typed array (CBOR delivers float64[] as Float64Array). */
function isNumberList(x: unknown): x is ArrayLike<number> {
  return Array.isArray(x) || (ArrayBuffer.isView(x) && !(x instanceof DataView));
}

function describe(x: unknown): string {
  return isNumberList(x) ? String(x.length) : typeof x;
}
