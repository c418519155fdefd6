import type { CameraFrame, CellCommand, CellDescription, JointSample, WrenchSample } from '../cell/Cell.ts';
import type { ArmModel } from '../kinematics/index.ts';

/** A ROS topic or service by name and type, as rosbridge needs them. */
export interface RosRef {
  name: string;
  type: string;
}

/** A fault as data (STYLE.md): shown to a person, never thrown from a message handler. */
export interface Problem {
  severity: 'info' | 'warn' | 'error';
  message: string;
  tip: string;
}

/** One decoded driver message, in the canonical cell model. */
export type CellInput =
  | { kind: 'joints'; sample: JointSample }
  | { kind: 'wrench'; sample: WrenchSample }
  | { kind: 'camera'; frame: CameraFrame }
  /** Partial status: a profile may learn safety mode and speed scaling from different topics. */
  | { kind: 'status'; safetyMode?: number; speedScaling?: number }
  | { kind: 'problem'; problem: Problem }
  /** The message was fine but carries nothing to emit (e.g. a gripper-only joint state). */
  | { kind: 'none' };

/** A topic the connection subscribes to, with the decoder that maps its messages. */
export interface ProfileSubscription extends RosRef {
  /**
   * 'cbor' for high-rate or large topics (joint states, wrench, images): much
   * cheaper than JSON in rosbridge. The connection falls back to JSON if the
   * server does not deliver CBOR (see RosCellConnection).
   */
  compression: 'cbor' | 'none';
  /** Map one message; `receivedAt` is the bridge's clock (epoch s). Must not throw. */
  decode(msg: unknown, receivedAt: number): CellInput;
}

/** One message to publish for a command. */
export interface OutgoingCommand {
  topic: RosRef;
  msg: unknown;
}

export type CellAction = 'unlockProtectiveStop' | 'stopProgram' | 'playProgram';

/**
 * The small, profile-specific part of a cell connection: what to subscribe
 * to, how driver messages map to the canonical model, and how a `CellCommand`
 * becomes the driver's command message(s). Pure: no I/O.
 */
export interface ProfileAdapter {
  /** The cell as the bridge sees it, minus the URL (the connection fills it in). */
  description: Omit<CellDescription, 'url'>;
  /** The arm's kinematic model (for twist jogging and the safety layer). */
  arm: ArmModel;
  subscriptions: ProfileSubscription[];
  /** Topics commands go out on; advertised once per connection so the first command is not lost. */
  publications: RosRef[];
  /**
   * The driver message(s) for `cmd`. `stamp` is the cell's clock (the latest
   * joint sample's stamp), for drivers that check command age (MoveIt
   * Servo). A gripper message goes out only when `cmd.gripper` is set: the
   * caller sets it when the target changes (grippers act on edges, and a
   * re-sent target after a reconnect would move a gripper no one commanded).
   */
  encodeCommand(cmd: CellCommand, ctx: { stamp: number }): OutgoingCommand[];
  /** Driver recovery services; an action the profile lacks answers `success: false`. */
  actions: Partial<Record<CellAction, RosRef>>;
  /** Status until the driver reports: a profile that learns the safety mode from a topic starts "undefined" (gate closed). */
  initialStatus: { safetyMode: number; speedScaling: number };
}

/** Gripper reported as a joint in the joint states and commanded on its own topic. */
export interface GripperSettings {
  /** Joint name in the joint states, e.g. 'finger_joint'. */
  joint: string;
  /** The joint's position when fully closed (its unit, e.g. rad); open is 0. */
  closedPosition: number;
  /** Float64MultiArray topic taking one value, 0 open … 1 closed. */
  commandTopic: string;
}

/**
 * What a cell config may change about a profile. Every field is optional;
 * the profile's defaults fill the rest (see each profile's `defaults`).
 */
export interface ProfileSettings {
  /** Arm model name ('ur3e', 'ur5e', 'ur10e'). */
  arm?: string;
  /** The driver's joint names in command order (e.g. with a tf prefix). */
  jointNames?: string[];
  cameras?: string[];
  /** Topic and service names by role (keys from the profile's `topics`). */
  topics?: Record<string, string>;
  /** null: the cell has no gripper. */
  gripper?: Partial<GripperSettings> | null;
}

/** A robot profile: a driver's topics mapped to the canonical cell model, registered by name. */
export interface RobotProfile {
  readonly name: string;
  /** One line for `listProfiles()` and error messages. */
  readonly summary: string;
  /** Default topic/service names and types by role; `ProfileSettings.topics` overrides names. */
  readonly topics: Readonly<Record<string, RosRef>>;
  readonly defaults: Readonly<{ arm: string; cameras: string[]; gripper: GripperSettings | null }>;
  createAdapter(settings?: ProfileSettings): ProfileAdapter;
}
