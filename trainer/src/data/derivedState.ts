// Columns that are not recorded but computed with an arm model: state inputs
// from the measured joint positions (the TCP pose by forward kinematics) and
// action labels from the joints and the recorded joint velocity commands (the
// TCP twist, J(q)·q̇). The trainer never computes them itself: it knows no arm
// models (those live in the bridge, which depends on the trainer). The caller
// injects the computation — one object for both, so they share one arm and
// tool — and the same functions run in the bridge's policy runner, so training
// and run time can never disagree. policy.json carries `kinematics` — what the
// runner needs to compute the same values, and what `checkBundleFits` compares
// with the cell.

/**
 * Derived state groups by short name (`--state joint_position,tcp_pose`):
 * tcp_pose — the tool point's position and orientation; tcp_height — its
 * height alone (`observation.tcp_height.z`, m in the base frame), how far the
 * tool still has to descend without saying where on a demonstrated path it is.
 */
export const DERIVED_STATE_GROUPS = ['tcp_pose', 'tcp_height'] as const;
export type DerivedStateGroup = (typeof DERIVED_STATE_GROUPS)[number];

/** What each derived group is, in words, for messages ("policy's TCP height inputs …"). */
export const DERIVED_STATE_TITLES: Record<DerivedStateGroup, string> = { tcp_pose: 'TCP pose', tcp_height: 'TCP height' };

/** The derived groups whose columns (`observation.<group>.*`) are among `stateNames`, in DERIVED_STATE_GROUPS order. */
export function derivedGroupsOf(stateNames: readonly string[]): DerivedStateGroup[] {
  return DERIVED_STATE_GROUPS.filter((g) => stateNames.some((n) => n.startsWith(`observation.${g}.`)));
}

/** The arm model and tool point a derived input was computed with. */
export interface PolicyKinematics {
  /** Arm model name, e.g. 'ur5e'. */
  arm: string;
  /** m, the tool point in the flange frame ([0, 0, 0] = the flange). */
  toolOffset: [number, number, number];
}

/** One derived group: `names.length` columns computed from one row of joint positions. */
export interface DerivedState {
  /** Column names after `observation.<group>.`, in column order. */
  names: readonly string[];
  /** Joint positions the function takes (the arm's joint count), in the dataset's joint order. */
  jointCount: number;
  /** Writes `names.length` values for the joint positions `q` (rad) into `out` from `offset`. */
  compute(q: ArrayLike<number>, out: Float32Array, offset: number): void;
  /** Copied into policy.json. */
  kinematics: PolicyKinematics;
}

/**
 * Action labels computed from each frame's measured joint positions `q` and
 * recorded joint velocity command `qd` (`--action twist`): the TCP's velocity
 * in the base frame that the command produces at that pose.
 */
export interface DerivedAction {
  /** Column names after `action.twist.`, in column order. */
  names: readonly string[];
  /** Joint positions and velocities the function takes (the arm's joint count), in the dataset's joint order. */
  jointCount: number;
  /** Writes `names.length` values for joint positions `q` (rad) and velocities `qd` (rad/s) into `out` from `offset`. */
  compute(q: ArrayLike<number>, qd: ArrayLike<number>, out: Float32Array, offset: number): void;
  /** Copied into policy.json. */
  kinematics: PolicyKinematics;
}

/** What the caller injects: one entry per derived state group, and `twist` for `--action twist`. */
export interface DerivedStateProviders extends Partial<Record<DerivedStateGroup, DerivedState>> {
  twist?: DerivedAction;
}

export function isDerivedStateGroup(group: string): group is DerivedStateGroup {
  return (DERIVED_STATE_GROUPS as readonly string[]).includes(group);
}
