import type { CellInput } from '../RobotProfile.ts';
import { headerStamp } from './rosTime.ts';

/** geometry_msgs/WrenchStamped (ROS 1 or 2) → WrenchSample. */
export function wrenchInput(topic: string, msg: unknown, receivedAt: number): CellInput {
  const w = (msg as { wrench?: { force?: unknown; torque?: unknown } } | undefined)?.wrench;
  const force = vec3(w?.force);
  const torque = vec3(w?.torque);
  if (!force || !torque) {
    return {
      kind: 'problem',
      problem: {
        severity: 'error',
        message: `${topic}: expected a WrenchStamped with finite force and torque {x, y, z}, found ${JSON.stringify(w)}`,
        tip: 'Check the wrench topic and type in the cell config.',
      },
    };
  }
  return { kind: 'wrench', sample: { stamp: headerStamp(msg, receivedAt), receivedAt, force, torque } };
}

function vec3(v: unknown): [number, number, number] | undefined {
  const o = v as { x?: unknown; y?: unknown; z?: unknown } | undefined;
  const out = [o?.x, o?.y, o?.z];
  return out.every((x) => typeof x === 'number' && Number.isFinite(x)) ? (out as [number, number, number]) : undefined;
}
