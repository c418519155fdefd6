/**
 * What the recorder listens to. The shapes mirror the bridge's canonical cell
 * model (`bridge/src/cell/Cell.ts`) and control outputs, redeclared
 * structurally because the recorder must not import the bridge (DESIGN.md:
 * bridge imports recorder, never the reverse). A `CellConnection` already
 * satisfies the `joints`, `wrench`, `camera` and `status` events; the bridge
 * adapts `CellController`'s `output`, `event` and `lease` to `action` and
 * `event`.
 *
 * Times are float seconds since the Unix epoch. `stamp` is the source clock
 * (ROS `header.stamp`); `receivedAt` the bridge's clock when the sample arrived.
 */

export interface JointSampleLike {
  stamp: number;
  receivedAt: number;
  /** rad, in `jointNames` order. */
  position: number[];
  /** rad/s. */
  velocity: number[];
  /** N·m (may be empty). */
  effort: number[];
  /**
   * Gripper position as the cell reports it (recorded unchanged as
   * `finger_joint` in /joint_states). Absent when the cell has no gripper.
   */
  gripper?: number;
}

export interface WrenchSampleLike {
  stamp: number;
  receivedAt: number;
  force: readonly [number, number, number] | number[]; // N
  torque: readonly [number, number, number] | number[]; // N·m
}

export interface CameraFrameLike {
  camera: string;
  stamp: number;
  receivedAt: number;
  format: 'jpeg';
  data: Uint8Array;
}

export interface StatusSampleLike {
  receivedAt: number;
  /** ur_dashboard_msgs SafetyMode code (1 NORMAL, 3 PROTECTIVE_STOP, ...). */
  safetyMode: number;
  /** 0..1. */
  speedScaling: number;
}

/**
 * The command actually sent to the robot by the safety layer (the bridge's
 * `OutputCommand`/`ControlOutput`): this is the action, never the request.
 */
export interface ActionSampleLike {
  /** rad/s, `jointNames` order; all zero when a gate or the deadman stopped motion. */
  velocities: number[];
  /** Gripper target as sent; absent until a command sets it. */
  gripper?: number;
  /** s, the control tick's time (the cell's clock, same as joint stamps). */
  stamp: number;
  /** Who produced the command being executed ('teleop' | 'policy'); absent when stopped. */
  source?: string;
  /** Why the output is zero, when it is. */
  stop?: string;
  /** Limit codes that changed this command. */
  limited?: string[];
  /** False when the connection dropped the command (nothing reached the robot). Default true. */
  sent?: boolean;
  /** Recorder's clock when received; default the recorder's `now()`. */
  receivedAt?: number;
}

/** A discrete event: clamp, e-stop, lease change, takeover, operator marker. */
export interface RecorderEventLike {
  /** s, when it happened (source clock). */
  stamp: number;
  receivedAt?: number;
  /** Lower case category: "marker", "takeover", "safety", "limit", "lease", "info". */
  kind: string;
  /** Machine-readable code inside the category. */
  code: string;
  /** For a person. */
  message: string;
}

export interface RecordingSourceEvents {
  joints: (sample: JointSampleLike) => void;
  wrench: (sample: WrenchSampleLike) => void;
  camera: (frame: CameraFrameLike) => void;
  status: (sample: StatusSampleLike) => void;
  action: (action: ActionSampleLike) => void;
  event: (event: RecorderEventLike) => void;
}

export type RecordingSourceKind = keyof RecordingSourceEvents;

/** Anything that emits the cell's streams; `on` returns an unsubscribe function. */
export interface RecordingSource {
  on<K extends RecordingSourceKind>(kind: K, listener: RecordingSourceEvents[K]): () => void;
}

/** The bridge's SafetyEvent, structurally (bridge/src/safety/SafetyEvent.ts). */
export interface SafetyEventLike {
  time: number;
  kind: string;
  code: string;
  message: string;
  joint?: number;
  requested?: number;
  allowed?: number;
  suppressed?: number;
}

/**
 * A safety-layer event as a recorded event: clamps become kind `limit`, every
 * other kind (refusal, estop, deadman, gate, force_stop) kind `safety`, with
 * the layer's kind kept in the code (`clamp.joint_velocity`) and the numbers
 * appended to the message so nothing the layer reported is lost.
 */
export function fromSafetyEvent(event: SafetyEventLike): RecorderEventLike {
  const numbers = (['joint', 'requested', 'allowed', 'suppressed'] as const)
    .filter((key) => event[key] !== undefined)
    .map((key) => `${key}=${event[key]}`);
  return {
    stamp: event.time,
    kind: event.kind === 'clamp' ? 'limit' : 'safety',
    code: `${event.kind}.${event.code}`,
    message: numbers.length > 0 ? `${event.message} [${numbers.join(' ')}]` : event.message,
  };
}

/** A lease change (the bridge's `lease` event carries the new holder or undefined). */
export function fromLeaseChange(holder: string | undefined, stamp: number): RecorderEventLike {
  return {
    stamp,
    kind: 'lease',
    code: holder === undefined ? 'released' : 'acquired',
    message: holder === undefined ? 'control lease released' : `control lease held by ${holder}`,
  };
}
