/**
 * The TCP pose as a policy input (`cellkit train --state …,tcp_pose`),
 * computed from the measured joint positions by forward kinematics — the
 * function the safety layer uses for the TCP — once here, for both sides:
 * the trainer gets it injected as a derived state provider (it cannot import
 * the bridge), and the policy adapter calls it on live joints. So training
 * and run time cannot disagree.
 *
 * Columns `observation.tcp_pose.<name>`: the tool point's position x, y, z
 * (m, base frame), then the tool frame's x and y axes in the base frame (the
 * first two columns of the rotation matrix). That orientation representation
 * is continuous: Euler angles wrap and quaternions flip sign, so a small turn
 * could be a jump in the input.
 *
 * `tcp_height` (`--state …,tcp_height`) is a subset of the same values:
 * column `observation.tcp_height.z`, the tool point's height (m, base frame).
 * It tells an image policy how far the tool still has to descend without
 * telling it where on a demonstrated path it is. Every derived TCP group is a
 * list of TCP pose values (TCP_STATE_GROUPS), computed by writeTcpPose on both
 * sides.
 */
import type { DerivedState, DerivedStateGroup, PolicyKinematics } from '@cellkit/trainer';

import { forwardKinematics, type ArmModel } from '../kinematics/index.ts';
import { getArmModel } from '../profiles/getArmModel.ts';

export const TCP_POSE_GROUP = 'tcp_pose';
export const TCP_POSE_NAMES = ['x', 'y', 'z', 'x_axis.x', 'x_axis.y', 'x_axis.z', 'y_axis.x', 'y_axis.y', 'y_axis.z'] as const;
export const TCP_POSE_PREFIX = `observation.${TCP_POSE_GROUP}.`;
export type TcpPoseName = (typeof TCP_POSE_NAMES)[number];

export const TCP_HEIGHT_GROUP = 'tcp_height';
export const TCP_HEIGHT_NAMES = ['z'] as const;
export const TCP_HEIGHT_PREFIX = `observation.${TCP_HEIGHT_GROUP}.`;

/**
 * Each derived state group's columns (`observation.<group>.<name>`), as TCP
 * pose values: every group the trainer knows must be listed (a compile error
 * otherwise), so the runner can compute any input the trainer can write.
 */
export const TCP_STATE_GROUPS: Record<DerivedStateGroup, readonly TcpPoseName[]> = {
  tcp_pose: TCP_POSE_NAMES,
  tcp_height: TCP_HEIGHT_NAMES,
};

/** Writes the 9 TCP pose values for joint positions `q` (rad, the arm's joint order) into `out` from `offset`. */
export function writeTcpPose(arm: ArmModel, toolOffset: [number, number, number], q: ArrayLike<number>, out: Float32Array | Float64Array, offset = 0): void {
  const { position: p, rotation: R } = forwardKinematics(arm, q, toolOffset);
  out[offset] = p[0];
  out[offset + 1] = p[1];
  out[offset + 2] = p[2];
  // Row-major R: column 0 is R[0], R[3], R[6]; column 1 is R[1], R[4], R[7].
  out[offset + 3] = R[0]!;
  out[offset + 4] = R[3]!;
  out[offset + 5] = R[6]!;
  out[offset + 6] = R[1]!;
  out[offset + 7] = R[4]!;
  out[offset + 8] = R[7]!;
}

/** The trainer's provider for tcp_pose with this arm and tool point. Throws on an unknown arm name. */
export function tcpPoseState(kinematics: PolicyKinematics): DerivedState {
  return tcpState(TCP_POSE_GROUP, kinematics);
}

/** The trainer's provider for tcp_height (the tool point's z) with this arm and tool point. Throws on an unknown arm name. */
export function tcpHeightState(kinematics: PolicyKinematics): DerivedState {
  return tcpState(TCP_HEIGHT_GROUP, kinematics);
}

/** The trainer's provider for a derived TCP group: writeTcpPose, then the group's values in its column order. */
export function tcpState(group: DerivedStateGroup, kinematics: PolicyKinematics): DerivedState {
  const arm = getArmModel(kinematics.arm);
  const toolOffset: [number, number, number] = [...kinematics.toolOffset];
  const names = TCP_STATE_GROUPS[group];
  const index = names.map((n) => TCP_POSE_NAMES.indexOf(n));
  const pose = new Float64Array(TCP_POSE_NAMES.length);
  return {
    names,
    jointCount: arm.jointNames.length,
    compute: (q, out, offset) => {
      writeTcpPose(arm, toolOffset, q, pose);
      for (let k = 0; k < index.length; k++) out[offset + k] = pose[index[k]!]!;
    },
    kinematics: { arm: arm.name, toolOffset },
  };
}
