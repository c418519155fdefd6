/**
 * Server → client messages of the bridge's browser protocol: one interface
 * per `op`, joined in one union, with guards for the client's dispatch.
 * The server produces these; the guards check the discriminant and the
 * fields a client dispatches on, not every nested value.
 */
import type { CameraFrame, CellDescription, CellStatusSample, ConnectionHealth, JointSample, WrenchSample } from '../cell/Cell.ts';
import type { OutputCommand } from '../safety/JointVelocityCommand.ts';
import type { SafetyEvent } from '../safety/SafetyEvent.ts';
import type { ClientOp } from './ClientMessage.ts';
import type { ErrorCode } from './ErrorCode.ts';
import { isPlainObject } from './fieldChecks.ts';
import type { Role } from './Role.ts';

export type { CameraFrame, CellDescription, CellStatusSample, ConnectionHealth, JointSample, WrenchSample, OutputCommand, SafetyEvent };

/** The safety layer's limits a teleop UI needs to scale its sliders and pace its frames. */
export interface TeleopLimits {
  /** rad/s per joint, what the safety layer allows (≤ the arm's rating). */
  maxJointVelocity: number[];
  /** m/s, TCP linear speed cap. */
  maxTcpSpeed: number;
  /** s. A jog frame older than this is replaced by zero velocity: send frames faster than this while a key is held. */
  deadmanTimeout: number;
  /** m, base frame: the box the tool point must stay in (draw it; jogs toward its walls are stopped there). */
  workspace: { min: [number, number, number]; max: [number, number, number] };
  /** m, the tool point in the flange frame: TCP readouts and Cartesian jogs refer to this point. */
  toolOffset: [number, number, number];
}

/** The protocol limits of this connection. */
export interface SessionLimits {
  /** Bytes; a bigger inbound frame closes the connection with 1009. */
  maxFrameBytes: number;
  /** Inbound messages per second; excess messages are dropped with a `rate_limited` error. */
  maxMessagesPerSecond: number;
  /** Hz, the telemetry flush rate without `subscribe.maxRateHz`. */
  defaultRateHz: number;
  /** Hz, the highest `subscribe.maxRateHz` accepted. */
  maxRateHz: number;
  teleop: TeleopLimits;
}

/** Answer to a valid `hello`. */
export interface WelcomeMessage {
  op: 'welcome';
  version: number;
  /** This connection's id: `lease.holder` and `state.leaseHolder` compare against it. */
  clientId: string;
  role: Role;
  cell: CellDescription;
  limits: SessionLimits;
}

/**
 * Every joint and wrench sample that arrived since this client's previous
 * batch, oldest first — not just the latest, so plots and recorders see the
 * native rate. Sent at the client's `maxRateHz`. If the client falls far
 * behind, the oldest samples beyond the server's cap are dropped and counted
 * in `dropped` (memory stays bounded).
 */
export interface TelemetryMessage {
  op: 'telemetry';
  joints: JointSample[];
  wrench: WrenchSample[];
  /** The latest cell status, when one arrived since the previous batch. */
  status?: CellStatusSample;
  /** Samples dropped for this client since the previous batch because it read too slowly. */
  dropped?: { joints: number; wrench: number };
}

/** The latest frame of one camera. Frames a slow client could not take in time are skipped, never queued. */
export interface CameraMessage {
  op: 'camera';
  camera: string;
  /** s, the source's stamp. */
  stamp: number;
  /** JPEG bytes (MessagePack bin; a Uint8Array in the browser). */
  data: Uint8Array;
}

/** Who holds the control lease; sent to every client on every change and after `welcome`. */
export interface LeaseMessage {
  op: 'lease';
  /** Holder's client id (or a non-client holder such as a policy runner), null when free. */
  holder: string | null;
  /** Holder's `hello.clientName`, null when free. */
  holderName: string | null;
}

/** A clamp, refusal, stop or reset from the safety layer (stream `events`). */
export interface SafetyMessage {
  op: 'safety';
  event: SafetyEvent;
}

/** The bridge's view of the cell connection (stream `health`, about once a second and on change). */
export interface HealthMessage {
  op: 'health';
  connection: ConnectionHealth;
  /** s since the bridge started. */
  uptime: number;
  /** Connected, welcomed clients. */
  clients: number;
  /** s since the epoch, the bridge's clock. */
  serverTime: number;
}

/**
 * The control layer's state. Sent to every client after `welcome` and when
 * e-stop, gates or lease change; to `status` subscribers also periodically
 * (with the latest command sent to the robot).
 */
export interface StateMessage {
  op: 'state';
  estopped: boolean;
  /** Who pressed the e-stop, why and when (s), while it is latched. */
  estop?: { by: string; reason?: string; time: number };
  /**
   * The safety layer's gates by name (`estop`, `inputs`, `connection`,
   * `safetyMode`, `force`, `lease`), true = open. Motion needs all open.
   */
  gates: Record<string, boolean>;
  /** What the output is doing: `moving`, or why not (`deadman`, `no_command`, `gated`). */
  motion?: string;
  leaseHolder: string | null;
  /** The command actually sent to the robot on the latest control tick; null before the first. */
  lastOutput: OutputCommand | null;
  /** The robot's safety mode (UR SafetyMode numbering), null if unknown. */
  safetyMode: number | null;
  /** 0..1, the robot's speed slider. */
  speedScaling?: number;
}

/** A refused or malformed request. The connection stays open unless the code says otherwise (`unauthorized`, `version_mismatch`). */
export interface ErrorMessage {
  op: 'error';
  code: ErrorCode | (string & {});
  /** For a person: what was expected, what was found. */
  message: string;
  /** The op of the request this answers, when known. */
  requestOp?: ClientOp;
  /** What to do about it. */
  tip?: string;
}

export interface PongMessage {
  op: 'pong';
  /** The `ping.t` echoed. */
  t: number;
  /** s since the epoch, the bridge's clock when it answered. */
  serverTime: number;
}

/** A fault for the operator (STYLE.md: faults are data). */
export interface RecordingProblem {
  severity: 'error' | 'warning' | 'info';
  /** Stable code, e.g. `disk_lag`, `write_failed`, `disk_stalled`. */
  code: string;
  message: string;
  tip: string;
}

/** One stream of a recording, live. Stream names: `joints`, `wrench`, `action`, `status`, `events`, `camera/<name>`. */
export interface RecordingStreamQuality {
  count: number;
  /** Hz, messages over the recording's span so far; null before two messages. */
  rate: number | null;
  /** Hz, the rate the stream should have; null when it has none (events, status). */
  nominal: number | null;
  /** Gaps longer than two nominal periods, and the messages estimated missing in them. */
  drops: number;
  missing: number;
  /** s, this stream's stamps minus the joint states' latest stamp (mean, largest magnitude); null for the joints themselves or before data. */
  skew: { mean: number; maxAbs: number } | null;
  /** Why the stream is flagged (too slow, drops, missing), if it is. */
  flag?: string;
}

export interface RecordingQuality {
  flagged: boolean;
  /** One line per flagged stream. */
  flags: string[];
  streams: Record<string, RecordingStreamQuality>;
}

/** The episode closed last (or lost to a fault). */
export interface RecordedEpisode {
  dataset: string;
  episode: number;
  outcome: 'success' | 'failure' | 'discard' | null;
  /** `complete`, or `recording` when a fault left it for recovery (the next open of the dataset recovers it). */
  status: string;
  /** s, the episode's length on the bridge's clock. */
  duration: number | null;
  /** Set when the episode ended with a fault. */
  error?: string;
}

/**
 * The recorder's state: to everyone after `welcome`, on every change, and
 * about twice a second while recording (elapsed time and live quality).
 */
export interface RecordingMessage {
  op: 'recording';
  state: 'idle' | 'recording' | 'stopping';
  /** While recording or stopping: the dataset's name, the task, the episode's index in the dataset. */
  dataset?: string;
  task?: string;
  episode?: number;
  /** s since the epoch (bridge clock). */
  startedAt?: number;
  /** s since `startedAt`. */
  elapsed?: number;
  quality?: RecordingQuality;
  /** Live warnings while recording; after a fault, the error that stopped it (until the next start). */
  problems: RecordingProblem[];
  last?: RecordedEpisode;
}

/** A policy runner fault or stop reason, for the person watching (STYLE.md: faults are data). */
export interface PolicyProblem {
  severity: 'error' | 'warning' | 'info';
  /** Stable code, e.g. `estop`, `lease_lost`, `stale_observation`, `non_finite_output`, `stopped`. */
  code: string;
  message: string;
  tip: string;
}

/** One operator takeover in supervised mode; stamps on the cell's clock (s). */
export interface PolicyIntervention {
  /** Who took over (client name and id). */
  by: string;
  start: number;
  /** Absent while the operator still drives. */
  end?: number;
  /** The episode the takeover was recorded as, when recording was available. */
  episode?: { dataset: string; episode: number };
}

/**
 * The policy runner's state: to everyone after `welcome`, on every change,
 * and a few times a second while a policy runs. Latency is the per-step
 * observation + inference time (ms, wall clock); predicted vs executed compares the
 * policy's action with the command the safety layer actually sent.
 */
export interface PolicyMessage {
  op: 'policy';
  /** `intervened`: an operator took over (supervised); `paused`: they handed back, waiting for `policy.resume`. */
  state: 'idle' | 'running' | 'intervened' | 'paused' | 'stopped';
  /** Bundle name (under the bridge's policies folder) or folder. */
  policy?: string;
  mode?: 'shadow' | 'supervised' | 'autonomous';
  speedScale?: number;
  /** Hz, the bundle's rate, on the cell's clock. */
  rate?: number;
  steps: number;
  /** Cell-clock stamp (s) of the latest step. */
  lastStepAt?: number;
  latencyMs?: { p50: number; p99: number; last: number; samples: number };
  /** ms per phase of the latest step: observe (build inputs, decode frames), infer, act (safety layer submit). */
  phasesMs?: { observe: number; infer: number; act: number };
  /** The policy's output names (manifest order), labelling `predicted`. */
  actionNames?: string[];
  /** Latest predicted action, SI units, before speedScale. */
  predicted?: number[];
  /** Latest command the runner submitted (velocities × speedScale, gripper); absent in shadow mode. */
  commanded?: { velocities: number[]; gripper?: number };
  /** The command the safety layer sent on its latest tick (whoever's it was). */
  executed?: { velocities: number[]; gripper?: number; source?: string; stop?: string; limited: string[] };
  interventionCount: number;
  /** The latest interventions (at most 20), oldest first. */
  interventions: PolicyIntervention[];
  /** Why it stopped (state `stopped`). */
  stopReason?: PolicyProblem;
  /** Problems found when loading (a bundle that does not fit the cell) or while running. */
  problems: PolicyProblem[];
}

export type ServerMessage =
  | WelcomeMessage
  | RecordingMessage
  | PolicyMessage
  | TelemetryMessage
  | CameraMessage
  | LeaseMessage
  | SafetyMessage
  | HealthMessage
  | StateMessage
  | ErrorMessage
  | PongMessage;

export type ServerOp = ServerMessage['op'];

export const SERVER_OPS: readonly ServerOp[] = ['welcome', 'telemetry', 'camera', 'lease', 'safety', 'health', 'state', 'error', 'pong', 'recording', 'policy'];

const isStr = (x: unknown): x is string => typeof x === 'string';
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** The fields a client relies on per op, beyond `op`. */
const SERVER_CHECKS: Record<ServerOp, (m: Record<string, unknown>) => boolean> = {
  welcome: (m) => isNum(m.version) && isStr(m.clientId) && isStr(m.role) && isPlainObject(m.cell) && isPlainObject(m.limits),
  telemetry: (m) => Array.isArray(m.joints) && Array.isArray(m.wrench),
  camera: (m) => isStr(m.camera) && isNum(m.stamp) && m.data instanceof Uint8Array,
  lease: (m) => (m.holder === null || isStr(m.holder)) && (m.holderName === null || isStr(m.holderName)),
  safety: (m) => isPlainObject(m.event),
  health: (m) => isPlainObject(m.connection) && isNum(m.uptime) && isNum(m.clients),
  state: (m) => typeof m.estopped === 'boolean' && isPlainObject(m.gates),
  error: (m) => isStr(m.code) && isStr(m.message),
  pong: (m) => isNum(m.t) && isNum(m.serverTime),
  recording: (m) => isStr(m.state) && Array.isArray(m.problems),
  policy: (m) => isStr(m.state) && isNum(m.steps) && Array.isArray(m.problems) && Array.isArray(m.interventions),
};

export function isServerMessage(x: unknown): x is ServerMessage {
  if (!isPlainObject(x) || !isStr(x.op)) return false;
  const check = SERVER_CHECKS[x.op as ServerOp];
  return check !== undefined && check(x);
}

function guard<M extends ServerMessage>(op: M['op']): (x: unknown) => x is M {
  return (x: unknown): x is M => isPlainObject(x) && x.op === op && SERVER_CHECKS[op](x);
}

export const isWelcome = guard<WelcomeMessage>('welcome');
export const isTelemetry = guard<TelemetryMessage>('telemetry');
export const isCamera = guard<CameraMessage>('camera');
export const isLease = guard<LeaseMessage>('lease');
export const isSafety = guard<SafetyMessage>('safety');
export const isHealth = guard<HealthMessage>('health');
export const isState = guard<StateMessage>('state');
export const isError = guard<ErrorMessage>('error');
export const isPong = guard<PongMessage>('pong');
export const isRecording = guard<RecordingMessage>('recording');
export const isPolicy = guard<PolicyMessage>('policy');
