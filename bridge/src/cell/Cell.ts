/**
 * The canonical cell model: what every robot profile maps its driver onto,
 * and all the bridge's server, recorder and policy runner ever see of a
 * robot. Times are float seconds since the epoch; `stamp` is the source's
 * `header.stamp`, `receivedAt` the bridge's clock when the message arrived.
 */

export interface JointLimit {
  lower: number; // rad
  upper: number; // rad
}

export interface CellDescription {
  /** Robot profile name, e.g. 'ur'. */
  profile: string;
  /** Arm model name, e.g. 'ur5e'. */
  arm: string;
  /** The arm's joints in command order. */
  jointNames: string[];
  jointLimits: JointLimit[];
  /** rad/s, the arm's own limits (the safety layer may allow less). */
  maxJointVelocity: number[];
  hasGripper: boolean;
  hasWrench: boolean;
  cameras: string[];
  /** The rosbridge URL the cell is reached at. */
  url: string;
}

export interface JointSample {
  stamp: number;
  receivedAt: number;
  position: number[]; // rad, jointNames order
  velocity: number[]; // rad/s
  effort: number[];
  /** Gripper opening 0 open … 1 closed, when the cell has one. */
  gripper?: number;
}

export interface WrenchSample {
  stamp: number;
  receivedAt: number;
  force: [number, number, number]; // N
  torque: [number, number, number]; // N·m
}

export interface CameraFrame {
  camera: string;
  stamp: number;
  receivedAt: number;
  format: 'jpeg';
  data: Uint8Array;
}

export interface CellStatusSample {
  receivedAt: number;
  /** ur_dashboard_msgs SafetyMode (1 NORMAL, 3 PROTECTIVE_STOP, ...) or the profile's equivalent. */
  safetyMode: number;
  /** 0..1 (profiles convert the driver's unit). */
  speedScaling: number;
}

export type ConnectionState = 'connecting' | 'connected' | 'lost' | 'closed';

/** Connection health as data: shown to people, used by the safety gates. */
export interface ConnectionHealth {
  state: ConnectionState;
  url: string;
  /** Seconds since the last message from the cell, null before the first. */
  lastMessageAge: number | null;
  reconnects: number;
  /** Epoch seconds the state last changed. */
  since: number;
  /** Last connection error, in words. */
  error?: string;
}

/** The command a profile sends to the driver: joint velocities (+ gripper). */
export interface CellCommand {
  velocities: number[]; // rad/s, jointNames order
  gripper?: number; // 0..1
}

/** What a connected cell emits; each listener gets every sample (no coalescing here). */
export interface CellEvents {
  joints: (s: JointSample) => void;
  wrench: (s: WrenchSample) => void;
  camera: (f: CameraFrame) => void;
  status: (s: CellStatusSample) => void;
  health: (h: ConnectionHealth) => void;
}

/**
 * A connection to one cell through a robot profile. `send` never queues:
 * while disconnected a command is dropped and `send` returns false (roslib
 * would otherwise flush stale motion on reconnect — a DESIGN.md hazard).
 */
export interface CellConnection {
  readonly description: CellDescription;
  health(): ConnectionHealth;
  on<K extends keyof CellEvents>(event: K, listener: CellEvents[K]): () => void;
  send(cmd: CellCommand): boolean;
  /** Driver-level recovery actions the profile supports (e.g. UR dashboard unlock). */
  callAction(action: 'unlockProtectiveStop' | 'stopProgram' | 'playProgram'): Promise<{ success: boolean; message: string }>;
  close(): Promise<void>;
}
