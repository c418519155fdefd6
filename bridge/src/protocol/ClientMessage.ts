/**
 * Client → server messages of the bridge's browser protocol: one interface
 * per `op`, its spec (the schema the server validates against), a guard, and
 * the union. Frames are one MessagePack map each (see PROTOCOL.md).
 *
 * Units are SI (rad/s, m/s, 0..1 for the gripper). The value bounds below
 * only reject garbage; the safety layer clamps to the cell's real limits,
 * which the server announces in `welcome.limits`.
 */
import { type FieldSpec, isPlainObject, type MessageSpec, messageProblem } from './fieldChecks.ts';
import { MAX_RATE_HZ, MIN_RATE_HZ } from './protocolConstants.ts';

/** Telemetry streams a client may subscribe to; `camera:<name>` for each of `welcome.cell.cameras`. */
export type StreamName = 'joints' | 'wrench' | 'status' | 'events' | 'health' | `camera:${string}`;
export const BASIC_STREAMS = ['joints', 'wrench', 'status', 'events', 'health'] as const;

/** First message on every connection. The server answers `welcome`, or `error` + close. */
export interface HelloMessage {
  op: 'hello';
  /** Must equal the server's `PROTOCOL_VERSION`. */
  version: number;
  /** Access token; required when the bridge listens beyond loopback. */
  token?: string;
  /** Shown to other clients (lease holder name) and written to the audit log. */
  clientName: string;
}

/** Replaces the client's subscriptions (an empty list unsubscribes from all). */
export interface SubscribeMessage {
  op: 'subscribe';
  streams: StreamName[];
  /** Telemetry and camera flush rate for this client, Hz. Default 30. */
  maxRateHz?: number;
}

export interface LeaseAcquireMessage {
  op: 'lease.acquire';
}

export interface LeaseReleaseMessage {
  op: 'lease.release';
}

/** Joint velocity jog, rad/s in `cell.jointNames` order. Send at a steady rate; the deadman stops the arm when frames stop. */
export interface TeleopJointsMessage {
  op: 'teleop.joints';
  velocities: number[];
}

/** Cartesian jog of the TCP: linear m/s, angular rad/s, in the base or tool frame. */
export interface TeleopTwistMessage {
  op: 'teleop.twist';
  linear: [number, number, number];
  angular: [number, number, number];
  frame: 'base' | 'tool';
}

/** Gripper target, 0 open … 1 closed. */
export interface TeleopGripperMessage {
  op: 'teleop.gripper';
  position: number;
}

/** Stop the robot. Any role may send it. */
export interface EstopMessage {
  op: 'estop';
  reason?: string;
}

export interface EstopResetMessage {
  op: 'estop.reset';
}

/** Answered by `pong` with the same `t`: round-trip time and clock offset. */
export interface PingMessage {
  op: 'ping';
  /** The client's clock, any unit; echoed back. */
  t: number;
}

/**
 * Start recording an episode into the dataset named `dataset` (a name under
 * the bridge's data folder, never a path; created on first use). Progress
 * and faults arrive as `recording` messages.
 */
export interface RecordStartMessage {
  op: 'record.start';
  /** Matches `DATASET_NAME_PATTERN`. */
  dataset: string;
  task: string;
}

/** Stop recording, with the episode's outcome (`discard`: kept on disk, skipped by training). */
export interface RecordStopMessage {
  op: 'record.stop';
  outcome: 'success' | 'failure' | 'discard';
  notes?: string;
}

/**
 * Run a trained policy through the safety layer: `policy` names a bundle
 * folder under the bridge's policies folder (never a path). `shadow`
 * predicts only; `supervised` and `autonomous` take the control lease (it
 * must be free or held by this client); in `supervised` any operator jog
 * takes over at once. State arrives as `policy` messages.
 */
export interface PolicyStartMessage {
  op: 'policy.start';
  /** Matches `POLICY_NAME_PATTERN`. */
  policy: string;
  mode: 'shadow' | 'supervised' | 'autonomous';
  /** 0..1, scales the policy's velocities. */
  speedScale: number;
}

/** Stop the running policy (any mode); the lease is released. */
export interface PolicyStopMessage {
  op: 'policy.stop';
}

/** After a supervised takeover ended (state `paused`): the runner takes the lease back and continues. */
export interface PolicyResumeMessage {
  op: 'policy.resume';
}

export type ClientMessage =
  | HelloMessage
  | SubscribeMessage
  | LeaseAcquireMessage
  | LeaseReleaseMessage
  | TeleopJointsMessage
  | TeleopTwistMessage
  | TeleopGripperMessage
  | EstopMessage
  | EstopResetMessage
  | PingMessage
  | RecordStartMessage
  | RecordStopMessage
  | PolicyStartMessage
  | PolicyStopMessage
  | PolicyResumeMessage;

export type ClientOp = ClientMessage['op'];

/** The largest joint count the wire accepts (the server then requires the cell's exact count). */
export const MAX_JOINTS = 16;
/** |rad/s| and |m/s| beyond which a jog is garbage, not a request to be clamped. */
export const MAX_JOG_JOINT_VELOCITY = 10;
export const MAX_JOG_LINEAR = 2;
export const MAX_JOG_ANGULAR = 10;

const name = (maxLength: number): FieldSpec => ({ kind: 'string', minLength: 1, maxLength });
/** A dataset is named, never addressed by path: lower case, digits, `_` and `-`, so no traversal is possible. */
export const DATASET_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const DATASET_NAME_TEXT = '1..64 of a-z, 0-9, _ and -, starting with a letter or digit';
/** A policy bundle is named, never addressed by path: letters, digits, `_` and `-`. */
export const POLICY_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const POLICY_NAME_TEXT = '1..64 of A-Z, a-z, 0-9, _ and -, starting with a letter or digit';
const STREAM_PATTERN = /^(joints|wrench|status|events|health|camera:[A-Za-z0-9_./-]{1,64})$/;

/** The schema of every client message. Exported so docs and tests can walk it. */
export const CLIENT_MESSAGE_SPECS: Readonly<Record<ClientOp, MessageSpec>> = {
  hello: {
    fields: {
      version: { kind: 'number', integer: true, min: 1, max: 1_000_000 },
      token: { kind: 'string', minLength: 1, maxLength: 512 },
      clientName: name(64),
    },
    optional: ['token'],
  },
  subscribe: {
    fields: {
      streams: {
        kind: 'strings',
        minLength: 0,
        maxLength: 64,
        item: { kind: 'string', maxLength: 71, pattern: STREAM_PATTERN, patternText: `joints, wrench, status, events, health or camera:<name>` },
      },
      maxRateHz: { kind: 'number', min: MIN_RATE_HZ, max: MAX_RATE_HZ },
    },
    optional: ['maxRateHz'],
  },
  'lease.acquire': { fields: {} },
  'lease.release': { fields: {} },
  'teleop.joints': {
    fields: { velocities: { kind: 'numbers', minLength: 1, maxLength: MAX_JOINTS, min: -MAX_JOG_JOINT_VELOCITY, max: MAX_JOG_JOINT_VELOCITY } },
  },
  'teleop.twist': {
    fields: {
      linear: { kind: 'numbers', minLength: 3, maxLength: 3, min: -MAX_JOG_LINEAR, max: MAX_JOG_LINEAR },
      angular: { kind: 'numbers', minLength: 3, maxLength: 3, min: -MAX_JOG_ANGULAR, max: MAX_JOG_ANGULAR },
      frame: { kind: 'enum', values: ['base', 'tool'] },
    },
  },
  'teleop.gripper': { fields: { position: { kind: 'number', min: 0, max: 1 } } },
  estop: { fields: { reason: { kind: 'string', maxLength: 500 } }, optional: ['reason'] },
  'estop.reset': { fields: {} },
  ping: { fields: { t: { kind: 'number' } } },
  'record.start': {
    fields: { dataset: { kind: 'string', minLength: 1, maxLength: 64, pattern: DATASET_NAME_PATTERN, patternText: DATASET_NAME_TEXT }, task: name(500) },
  },
  'record.stop': {
    fields: { outcome: { kind: 'enum', values: ['success', 'failure', 'discard'] }, notes: { kind: 'string', maxLength: 2000 } },
    optional: ['notes'],
  },
  'policy.start': {
    fields: {
      policy: { kind: 'string', minLength: 1, maxLength: 64, pattern: POLICY_NAME_PATTERN, patternText: POLICY_NAME_TEXT },
      mode: { kind: 'enum', values: ['shadow', 'supervised', 'autonomous'] },
      speedScale: { kind: 'number', min: 0, max: 1 },
    },
  },
  'policy.stop': { fields: {} },
  'policy.resume': { fields: {} },
};

export const CLIENT_OPS = Object.keys(CLIENT_MESSAGE_SPECS) as ClientOp[];

export function isClientOp(x: unknown): x is ClientOp {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(CLIENT_MESSAGE_SPECS, x);
}

/** What is wrong with an inbound value, as data the server turns into an `error` message. */
export interface ClientMessageProblem {
  code: 'invalid_message' | 'unknown_op';
  message: string;
  /** The op, when the value had a known one. */
  op?: ClientOp;
}

/** Why `x` is not a valid client message, or undefined if it is. */
export function clientMessageProblem(x: unknown): ClientMessageProblem | undefined {
  if (!isPlainObject(x)) {
    return { code: 'invalid_message', message: `expected a map with an "op" field, found ${Array.isArray(x) ? 'an array' : x === null ? 'null' : typeof x}` };
  }
  const op = x.op;
  if (typeof op !== 'string') return { code: 'invalid_message', message: `expected "op" to be a string, found ${op === undefined ? 'none' : typeof op}` };
  if (!isClientOp(op)) {
    const shown = op.length > 40 ? `${op.slice(0, 40)}…` : op;
    return { code: 'unknown_op', message: `unknown op "${shown}"; expected one of ${CLIENT_OPS.join(', ')}` };
  }
  const message = messageProblem(op, x, CLIENT_MESSAGE_SPECS[op]);
  return message ? { code: 'invalid_message', message, op } : undefined;
}

export function isClientMessage(x: unknown): x is ClientMessage {
  return clientMessageProblem(x) === undefined;
}

function guard<M extends ClientMessage>(op: M['op']): (x: unknown) => x is M {
  return (x: unknown): x is M => isPlainObject(x) && x.op === op && messageProblem(op, x, CLIENT_MESSAGE_SPECS[op]) === undefined;
}

export const isHello = guard<HelloMessage>('hello');
export const isSubscribe = guard<SubscribeMessage>('subscribe');
export const isLeaseAcquire = guard<LeaseAcquireMessage>('lease.acquire');
export const isLeaseRelease = guard<LeaseReleaseMessage>('lease.release');
export const isTeleopJoints = guard<TeleopJointsMessage>('teleop.joints');
export const isTeleopTwist = guard<TeleopTwistMessage>('teleop.twist');
export const isTeleopGripper = guard<TeleopGripperMessage>('teleop.gripper');
export const isEstop = guard<EstopMessage>('estop');
export const isEstopReset = guard<EstopResetMessage>('estop.reset');
export const isPing = guard<PingMessage>('ping');
export const isRecordStart = guard<RecordStartMessage>('record.start');
export const isRecordStop = guard<RecordStopMessage>('record.stop');
export const isPolicyStart = guard<PolicyStartMessage>('policy.start');
export const isPolicyStop = guard<PolicyStopMessage>('policy.stop');
export const isPolicyResume = guard<PolicyResumeMessage>('policy.resume');
