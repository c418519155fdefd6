/**
 * What a client session needs from the server around it: the cell, the
 * control port, access and audit, the codec, the resolved options, and the
 * shared messages. `SessionHub` implements it; a session never reaches
 * other sessions directly.
 */
import type { AccessPolicy } from '../access/AccessPolicy.ts';
import type { AuditLog } from '../access/AuditLog.ts';
import type { CellConnection } from '../cell/Cell.ts';
import type { HealthMessage, LeaseMessage, PolicyMessage, RecordingMessage, ServerMessage, SessionLimits, StateMessage } from '../protocol/ServerMessage.ts';
import type { RecordingPort } from '../recording/RecordingPort.ts';
import type { PolicyPort } from './PolicyPort.ts';
import type { ControlPort } from './ControlPort.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFn = (level: LogLevel, message: string) => void;

/** Tunables of the WebSocket sessions; every field has a default (see `DEFAULT_SESSION_OPTIONS`). */
export interface SessionOptions {
  /** Largest inbound frame (bytes); ws closes a client that sends more with 1009. Default 256 KiB. */
  maxFrameBytes: number;
  /** Inbound messages per second per client before excess is dropped. Default 200. */
  maxMessagesPerSecond: number;
  /** ms a new connection has to send `hello`. Default 10 000. */
  helloTimeoutMs: number;
  /** Hz, telemetry flush rate without `subscribe.maxRateHz`. Default 30. */
  defaultRateHz: number;
  /** Unsent bytes above which telemetry, frames and state wait and coalesce. Default 1 MiB. */
  lowWaterBytes: number;
  /** Unsent bytes above which discrete messages queue. Default 8 MiB. */
  highWaterBytes: number;
  /** Queued discrete messages before a client is closed as too slow (4008). Default 512. */
  maxQueuedMessages: number;
  /** Joint (and wrench) samples held per client between flushes. Default 5000. */
  maxBatchSamples: number;
  /** s without jogging after which the next jog is audited as a new teleop start. Default 1. */
  teleopPauseSeconds: number;
  /** Hz, how often the control state is polled for changes and sent to `status` subscribers. Default 10. */
  stateRateHz: number;
  /** Hz, how often `health` goes to its subscribers. Default 1. */
  healthRateHz: number;
  /** Hz, how often `recording` goes to every client while an episode records (elapsed, live quality). Default 2. */
  recordingRateHz: number;
  /** Hz, how often `policy` goes to every client while a policy runs (steps, latency, predicted vs executed). Default 5. */
  policyRateHz: number;
  /**
   * Browser origins allowed besides the bridge's own and loopback ones (a
   * page from elsewhere must not drive a robot through a loopback bridge
   * that asks no token). Default none.
   */
  allowedOrigins: string[];
}

export const DEFAULT_SESSION_OPTIONS: Readonly<SessionOptions> = {
  maxFrameBytes: 256 * 1024,
  maxMessagesPerSecond: 200,
  helloTimeoutMs: 10_000,
  defaultRateHz: 30,
  lowWaterBytes: 1 << 20,
  highWaterBytes: 8 << 20,
  maxQueuedMessages: 512,
  maxBatchSamples: 5000,
  teleopPauseSeconds: 1,
  stateRateHz: 10,
  healthRateHz: 1,
  recordingRateHz: 2,
  policyRateHz: 5,
  allowedOrigins: [],
};

export interface SessionContext {
  readonly cell: CellConnection;
  readonly control: ControlPort;
  /** Absent: `record.*` is answered `not_implemented`. */
  readonly recording?: RecordingPort;
  /** Absent: `policy.*` is answered `not_implemented`. */
  readonly policy?: PolicyPort;
  readonly access: AccessPolicy;
  readonly audit: AuditLog;
  readonly options: Readonly<SessionOptions>;
  readonly log: LogFn;
  encode(msg: ServerMessage): Uint8Array;
  decode(data: Uint8Array): unknown;
  limits(): SessionLimits;
  holderName(holder: string): string;
  leaseMessage(): LeaseMessage;
  stateMessage(): StateMessage;
  healthMessage(): HealthMessage;
  /** Undefined without a recording port. */
  recordingMessage(): RecordingMessage | undefined;
  /** Undefined without a policy port. */
  policyMessage(): PolicyMessage | undefined;
  /** The lease may have changed: tell every client if it did. */
  leaseChanged(): void;
  /** E-stop or gates may have changed: send the state to every client. */
  stateChanged(): void;
}
