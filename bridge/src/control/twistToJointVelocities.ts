import { dampedLeastSquares, forwardKinematics, jacobian, type ArmModel } from '../kinematics/index.ts';

/** A Cartesian velocity of the TCP: m/s and rad/s, in the base or the tool frame. */
export interface Twist {
  linear: [number, number, number];
  angular: [number, number, number];
  /** 'base': the robot base frame; 'tool': the TCP frame at the measured pose (rotated into base with FK). */
  frame: 'base' | 'tool';
}

/** Why `t` is not a well-formed twist, or undefined. */
export function twistProblem(t: unknown): string | undefined {
  const x = t as Partial<Twist> | undefined;
  const vec = (v: unknown) => Array.isArray(v) && v.length === 3 && v.every((n) => typeof n === 'number' && Number.isFinite(n));
  if (typeof x !== 'object' || x === null) return `expected a twist { linear, angular, frame }, found ${String(t)}`;
  if (!vec(x.linear)) return `expected linear to be [vx, vy, vz] finite m/s, found ${JSON.stringify(x.linear)}`;
  if (!vec(x.angular)) return `expected angular to be [wx, wy, wz] finite rad/s, found ${JSON.stringify(x.angular)}`;
  if (x.frame !== 'base' && x.frame !== 'tool') return `expected frame 'base' or 'tool', found ${JSON.stringify(x.frame)}`;
  return undefined;
}

/**
 * Joint velocities that realise `twist` at the measured joint positions `q`:
 * damped least squares on the TCP Jacobian, so speeds stay bounded near a
 * singularity. The safety layer then limits the result like any command.
 */
export function twistToJointVelocities(arm: ArmModel, q: number[], twist: Twist, toolOffset?: [number, number, number]): number[] {
  let v = twist.linear;
  let w = twist.angular;
  if (twist.frame === 'tool') {
    // R maps tool-frame vectors into the base frame (row-major 3x3).
    const R = forwardKinematics(arm, q, toolOffset).rotation;
    const rot = (a: [number, number, number]): [number, number, number] => [
      R[0] * a[0] + R[1] * a[1] + R[2] * a[2],
      R[3] * a[0] + R[4] * a[1] + R[5] * a[2],
      R[6] * a[0] + R[7] * a[1] + R[8] * a[2],
    ];
    v = rot(v);
    w = rot(w);
  }
  return dampedLeastSquares(jacobian(arm, q, toolOffset), [...v, ...w]);
}
