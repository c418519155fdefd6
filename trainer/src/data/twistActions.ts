// `--action twist` labels for datasetToTrainingData: the TCP twist each
// recorded joint velocity command produced at the frame's measured joints,
// J(q)·q̇, computed by the injected `derivedState.twist` (the bridge has the
// arm models), followed by the recorded non-joint columns (the gripper).
import type { AlignedEpisode } from '@cellkit/datasets/core';
import { DatasetSelectionError } from './DatasetSelectionError.ts';
import type { DerivedAction, DerivedStateProviders, PolicyKinematics } from './derivedState.ts';

/** The twist provider, where each joint's command is in the recorded action (joint order), the other columns, the recorded names. */
export interface TwistLayout {
  action: DerivedAction;
  jointCols: number[];
  rest: number[];
  recorded: string[];
}

/** The twist provider, checked against the joints, and where each joint's command is in the recorded action. */
export function twistLayout(providers: DerivedStateProviders, joints: readonly string[], recorded: readonly string[], id: string, index: number): TwistLayout {
  const action = providers.twist;
  if (action == null) {
    throw new DatasetSelectionError(
      'action twist is computed from the joint positions and the recorded joint velocity commands with the arm\'s Jacobian, and no provider for it was given; '
      + 'train through `cellkit train` (the bridge supplies the arm model), or pass derivedState.twist',
    );
  }
  if (action.jointCount !== joints.length) {
    throw new DatasetSelectionError(
      `action twist: the arm model ${action.kinematics.arm} has ${action.jointCount} joints, the dataset records ${joints.length} [${joints.join(', ')}]; pass the arm this dataset was recorded on`,
    );
  }
  const jointCols = joints.map((j) => recorded.indexOf(j));
  const missing = joints.filter((_, j) => jointCols[j] < 0);
  if (missing.length > 0) {
    throw new DatasetSelectionError(
      `dataset '${id}' episode ${index}: action twist needs a recorded velocity command for every joint [${joints.join(', ')}], the action has [${recorded.join(', ')}]; train with --action velocity`,
    );
  }
  const rest = recorded.map((_, c) => c).filter((c) => !jointCols.includes(c));
  return { action, jointCols, rest, recorded: [...recorded] };
}

/** The one arm and tool every derived column was computed with; two different ones are refused (policy.json holds one). */
export function sharedKinematics(derived: PolicyKinematics[], twist: DerivedAction | undefined): PolicyKinematics | null {
  const all = [...derived, ...(twist ? [twist.kinematics] : [])];
  const first = all[0];
  if (first == null) return null;
  const other = all.find((k) => JSON.stringify(k) !== JSON.stringify(first));
  if (other != null) {
    throw new DatasetSelectionError(
      `derived columns computed with two arm models or tools: ${JSON.stringify(first)} and ${JSON.stringify(other)}; expected one (policy.json holds one); pass one provider for tcp_pose and twist`,
    );
  }
  return first;
}

/** Twist labels J(q)·q̇ of frames [start, start+length) from the measured joints and the joint commands, then the other recorded columns (gripper). */
export function twistActions(ep: AlignedEpisode, jointFeature: string, actionFeature: string, twist: TwistLayout, start: number, length: number): Float32Array {
  const q = ep.features[jointFeature];
  const action = ep.features[actionFeature];
  const W = twist.action.names.length;
  const A = W + twist.rest.length;
  const out = new Float32Array(length * A);
  const qd = new Float64Array(q.dim);
  for (let t = 0; t < length; t++) {
    const row = (start + t) * action.dim;
    for (let j = 0; j < q.dim; j++) qd[j] = action.data[row + twist.jointCols[j]];
    const src = (start + t) * q.dim;
    twist.action.compute(q.data.subarray(src, src + q.dim), qd, out, t * A);
    twist.rest.forEach((c, k) => (out[t * A + W + k] = action.data[row + c]));
  }
  return out;
}
