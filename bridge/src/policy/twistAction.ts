/**
 * The TCP twist as a policy output (`cellkit train --action twist`), both
 * ways, with the kinematics the safety layer and Cartesian teleop use:
 *
 * - training labels: the twist a recorded joint velocity command q̇ produced
 *   at the frame's measured joints q, J(q)·q̇ — exact and linear per frame.
 *   The trainer gets it injected as the `twist` provider (it cannot import
 *   the bridge), from the same factory as tcp_pose, so both share one arm
 *   and tool (policy.json `kinematics`);
 * - run time: the predicted twist back to joint velocities at the live
 *   joints, with the function Cartesian teleop uses (damped least squares,
 *   base frame), so near a singularity the joint speeds stay bounded; the
 *   result then goes through the safety layer like every command.
 *
 * Columns `action.twist.<name>`: vx, vy, vz (m/s) and wx, wy, wz (rad/s) of
 * the tool point in the robot base frame.
 */
import type { DerivedAction, PolicyKinematics } from '@cellkit/trainer';

import { twistToJointVelocities } from '../control/twistToJointVelocities.ts';
import { jacobian, type ArmModel } from '../kinematics/index.ts';
import { getArmModel } from '../profiles/getArmModel.ts';

export const TWIST_NAMES = ['vx', 'vy', 'vz', 'wx', 'wy', 'wz'] as const;
export const TWIST_PREFIX = 'action.twist.';

/** Writes J(q)·q̇ (6 values, base frame) for joint positions `q` (rad) and velocities `qd` (rad/s) into `out` from `offset`. */
export function writeTwist(
  arm: ArmModel, toolOffset: [number, number, number], q: ArrayLike<number>, qd: ArrayLike<number>, out: Float32Array | Float64Array, offset = 0,
): void {
  const J = jacobian(arm, q, toolOffset);
  for (let r = 0; r < 6; r++) {
    let s = 0;
    for (let c = 0; c < J[r]!.length; c++) s += J[r]![c]! * qd[c]!;
    out[offset + r] = s;
  }
}

/**
 * Joint velocities (rad/s) that realise `twist` (TWIST_NAMES order, base
 * frame) at the measured joints `q`: Cartesian teleop's damped least squares.
 */
export function twistToJoints(arm: ArmModel, toolOffset: [number, number, number], q: readonly number[], twist: ArrayLike<number>): number[] {
  return twistToJointVelocities(arm, [...q], { linear: [twist[0]!, twist[1]!, twist[2]!], angular: [twist[3]!, twist[4]!, twist[5]!], frame: 'base' }, toolOffset);
}

/** The trainer's provider for twist actions with this arm and tool point. Throws on an unknown arm name. */
export function twistAction(kinematics: PolicyKinematics): DerivedAction {
  const arm = getArmModel(kinematics.arm);
  const toolOffset: [number, number, number] = [...kinematics.toolOffset];
  return {
    names: TWIST_NAMES,
    jointCount: arm.jointNames.length,
    compute: (q, qd, out, offset) => writeTwist(arm, toolOffset, q, qd, out, offset),
    kinematics: { arm: arm.name, toolOffset },
  };
}
