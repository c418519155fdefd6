/** Who produced a command. Recorded with the action so datasets can tell them apart. */
export type CommandSource = 'teleop' | 'policy';

/**
 * The canonical motion command, produced by teleop and by policies. Cartesian
 * twists are converted to joint velocities upstream (damped least squares);
 * the safety layer still checks the resulting TCP speed and workspace.
 */
export interface JointVelocityCommand {
  kind: 'joint_velocity';
  /** rad/s, one per joint. */
  velocities: number[];
  /** Gripper target, 0 open .. 1 closed. Absent: keep the previous target. */
  gripper?: number;
  source: CommandSource;
  /**
   * s, when the intent was created, on the bridge's clock (the same clock as
   * `SafetyInputs.now`): the deadman measures age from here.
   */
  stamp: number;
}

/** What the layer hands the control loop each tick: the command actually sent (and recorded as the action). */
export interface OutputCommand {
  /** rad/s, one per joint; always finite; all zero whenever motion is not allowed. */
  velocities: number[];
  /**
   * Gripper target 0..1. Held at its last value when motion stops — opening a
   * gripper on an e-stop would drop the part. Absent until a command sets it.
   */
  gripper?: number;
  /** s, the tick's `now`. */
  stamp: number;
  /** Source of the command being executed; absent when stopped. */
  source?: CommandSource;
  /** Why the output is zero (a gate, deadman or no-command code); absent while executing a command. */
  stop?: string;
  /** Codes of the limits that changed the command this tick (empty when it passed unchanged). */
  limited: string[];
}

/**
 * Why `cmd` is not a well-formed command for an arm with `joints` joints, or
 * undefined if it is. Checks shape and finiteness only; limits are applied later.
 */
export function commandProblem(cmd: unknown, joints: number): string | undefined {
  if (typeof cmd !== 'object' || cmd === null) return `expected a command object, found ${cmd === null ? 'null' : typeof cmd}`;
  const c = cmd as Partial<JointVelocityCommand>;
  if (c.kind !== 'joint_velocity') return `expected kind "joint_velocity", found ${JSON.stringify(c.kind)}`;
  if (!Array.isArray(c.velocities)) return `expected velocities to be an array of ${joints} numbers, found ${typeof c.velocities}`;
  if (c.velocities.length !== joints) return `expected ${joints} joint velocities, found ${c.velocities.length}`;
  const bad = c.velocities.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
  if (bad >= 0) return `expected finite joint velocities, found ${String(c.velocities[bad])} at joint ${bad}`;
  if (c.gripper !== undefined && (typeof c.gripper !== 'number' || !Number.isFinite(c.gripper))) {
    return `expected gripper to be a finite number in 0..1, found ${String(c.gripper)}`;
  }
  if (c.source !== 'teleop' && c.source !== 'policy') return `expected source "teleop" or "policy", found ${JSON.stringify(c.source)}`;
  if (typeof c.stamp !== 'number' || !Number.isFinite(c.stamp)) return `expected a finite stamp in seconds, found ${String(c.stamp)}`;
  return undefined;
}
