/**
 * All WebSocket clients of one bridge, and the fan-out to them: every cell
 * sample goes to each subscriber's outbox (a camera frame is encoded once
 * and shared), safety events go to `events` subscribers, lease changes and
 * e-stop state to everyone. Implements the `SessionContext` each session
 * works through.
 */
import { Packr } from 'msgpackr';
import type { WebSocket } from 'ws';
import type { AccessPolicy } from '../access/AccessPolicy.ts';
import type { AuditLog } from '../access/AuditLog.ts';
import type { CellConnection } from '../cell/Cell.ts';
import type { StreamName } from '../protocol/ClientMessage.ts';
import type { Role } from '../protocol/Role.ts';
import { CLOSE_CODES, MAX_RATE_HZ, MSGPACK_OPTIONS } from '../protocol/protocolConstants.ts';
import type { HealthMessage, LeaseMessage, PolicyMessage, RecordingMessage, ServerMessage, SessionLimits, StateMessage, TeleopLimits } from '../protocol/ServerMessage.ts';
import type { RecordingPort, RecordingStatus } from '../recording/RecordingPort.ts';
import { ClientSession } from './ClientSession.ts';
import type { ControlPort, ControlStatus } from './ControlPort.ts';
import type { PolicyPort, PolicyPortStatus } from './PolicyPort.ts';
import type { LogFn, SessionContext, SessionOptions } from './SessionContext.ts';

export interface SessionHubDeps {
  cell: CellConnection;
  control: ControlPort;
  recording?: RecordingPort;
  policy?: PolicyPort;
  access: AccessPolicy;
  audit: AuditLog;
  options: SessionOptions;
  log: LogFn;
}

export interface ClientInfo {
  clientId: string;
  /** `hello.clientName`; empty before hello. */
  name: string;
  /** null before a successful hello. */
  role: Role | null;
  remote: string;
  streams: string[];
  /** Unsent bytes on the socket. */
  bufferedBytes: number;
  queuedMessages: number;
  pendingSamples: number;
}

export class SessionHub implements SessionContext {
  readonly cell: CellConnection;
  readonly control: ControlPort;
  readonly recording?: RecordingPort;
  readonly policy?: PolicyPort;
  readonly access: AccessPolicy;
  readonly audit: AuditLog;
  readonly options: SessionOptions;
  readonly log: LogFn;
  /** s since the epoch when the hub started (uptime). */
  readonly startedAt = Date.now() / 1000;
  private readonly sessions = new Map<string, ClientSession>();
  private readonly packr = new Packr({ ...MSGPACK_OPTIONS });
  private nextId = 1;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private lastLease: string | null | undefined;
  private lastStateKey = '';

  constructor(deps: SessionHubDeps) {
    this.cell = deps.cell;
    this.control = deps.control;
    this.recording = deps.recording;
    this.policy = deps.policy;
    this.access = deps.access;
    this.audit = deps.audit;
    this.options = deps.options;
    this.log = deps.log;
    const cell = deps.cell;
    this.unsubscribe.push(
      cell.on('joints', (s) => this.forEach('joints', (c) => (c.outbox.addJoint(s), c.sampleQueued()))),
      cell.on('wrench', (s) => this.forEach('wrench', (c) => (c.outbox.addWrench(s), c.sampleQueued()))),
      cell.on('status', (s) => this.forEach('status', (c) => c.outbox.setStatus(s))),
      cell.on('camera', (f) => {
        let bytes: Uint8Array | undefined;
        const stream = `camera:${f.camera}` as const;
        this.forEach(stream, (c) => {
          bytes ??= this.encode({ op: 'camera', camera: f.camera, stamp: f.stamp, data: f.data });
          c.outbox.setLatest(stream, bytes);
        });
      }),
      cell.on('health', () => this.sendHealth()),
      this.control.on('event', (event) => {
        this.forEach('events', (c) => c.send({ op: 'safety', event }));
        if (event.kind === 'estop' || event.kind === 'estop_reset') this.stateChanged();
      }),
      this.control.on('lease', () => this.leaseChanged()),
    );
    this.timers.push(
      setInterval(() => this.pollState(), 1000 / this.options.stateRateHz),
      setInterval(() => this.sendHealth(), 1000 / this.options.healthRateHz),
    );
    this.lastLease = this.control.leaseHolder ?? null;
    const recording = deps.recording;
    if (recording) {
      this.unsubscribe.push(
        recording.on('change', (status) => this.sendRecording(status)),
        // A fault stops recording by itself: tell everyone as an error too, not only in the state.
        recording.on('fault', (p) => this.forEachWelcomed((c) => c.send({ op: 'error', code: p.code, message: p.message, tip: p.tip }))),
      );
      // Elapsed time and live quality while recording; nothing when idle.
      this.timers.push(setInterval(() => recording.status().state !== 'idle' && this.sendRecording(recording.status()), 1000 / this.options.recordingRateHz));
    }
    if (deps.policy) this.watchPolicy(deps.policy);
  }

  /** Policy state to everyone: on every change, and while running at `policyRateHz`; lease changes the runner makes too. */
  private watchPolicy(policy: PolicyPort): void {
    this.unsubscribe.push(
      policy.on('change', (status) => {
        this.sendPolicy(status);
        this.leaseChanged();
      }),
    );
    this.timers.push(setInterval(() => policy.active && this.sendPolicy(policy.status()), 1000 / this.options.policyRateHz));
  }

  /** Welcomed clients. */
  get clientCount(): number {
    let n = 0;
    for (const s of this.sessions.values()) if (s.welcomed) n++;
    return n;
  }

  /** Every connected client and how far behind it is, for dashboards and tests. */
  clientInfo(): ClientInfo[] {
    return [...this.sessions.values()].map((s) => ({
      clientId: s.id,
      name: s.name,
      role: s.role ?? null,
      remote: s.remote,
      streams: s.subscriptions,
      bufferedBytes: s.bufferedAmount,
      queuedMessages: s.outbox.queuedMessages,
      pendingSamples: s.outbox.pendingSamples,
    }));
  }

  /** Takes a freshly upgraded socket. */
  attach(ws: WebSocket, remote: string): ClientSession {
    const id = `client-${this.nextId++}`;
    const session = new ClientSession(ws, id, remote, this);
    this.sessions.set(id, session);
    ws.on('message', (data, isBinary) => session.handleFrame(toBuffer(data), isBinary));
    ws.on('error', (err) => this.log('warn', `client ${session.label}: websocket error: ${err.message}`));
    ws.on('close', (code) => {
      session.close();
      this.sessions.delete(id);
      this.log('info', `client ${session.label} disconnected (code ${code}); ${this.clientCount} clients`);
    });
    return session;
  }

  // Arrow properties: sessions pass these around unbound (e.g. as the outbox's encoder).
  readonly encode = (msg: ServerMessage): Uint8Array => this.packr.pack(msg);
  readonly decode = (data: Uint8Array): unknown => this.packr.unpack(data);

  limits(): SessionLimits {
    return {
      maxFrameBytes: this.options.maxFrameBytes,
      maxMessagesPerSecond: this.options.maxMessagesPerSecond,
      defaultRateHz: this.options.defaultRateHz,
      maxRateHz: MAX_RATE_HZ,
      teleop: teleopLimits(this.control.status()),
    };
  }

  holderName(holder: string): string {
    return this.sessions.get(holder)?.name || holder;
  }

  leaseMessage(): LeaseMessage {
    const holder = this.control.leaseHolder ?? null;
    return { op: 'lease', holder, holderName: holder === null ? null : this.holderName(holder) };
  }

  stateMessage(): StateMessage {
    const s = this.control.status();
    const msg: StateMessage = {
      op: 'state',
      estopped: s.estopped,
      gates: { ...s.gates },
      leaseHolder: s.leaseHolder ?? null,
      lastOutput: s.lastOutput ?? null,
      safetyMode: s.safetyMode ?? null,
    };
    if (s.estop) msg.estop = { ...s.estop };
    if (s.motion !== undefined) msg.motion = s.motion;
    if (s.speedScaling !== undefined) msg.speedScaling = s.speedScaling;
    return msg;
  }

  healthMessage(): HealthMessage {
    return { op: 'health', connection: this.cell.health(), uptime: Date.now() / 1000 - this.startedAt, clients: this.clientCount, serverTime: Date.now() / 1000 };
  }

  policyMessage(): PolicyMessage | undefined {
    return this.policy ? { op: 'policy', ...this.policy.status() } : undefined;
  }

  recordingMessage(): RecordingMessage | undefined {
    return this.recording ? { op: 'recording', ...this.recording.status() } : undefined;
  }

  leaseChanged(): void {
    const holder = this.control.leaseHolder ?? null;
    if (holder === this.lastLease) return;
    this.lastLease = holder;
    const msg = this.leaseMessage();
    for (const s of this.sessions.values()) if (s.welcomed) s.send(msg);
    this.stateChanged();
  }

  stateChanged(): void {
    this.pollState(true);
  }

  /** Stops fan-out and timers and closes every client with 1001. */
  close(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    for (const t of this.timers.splice(0)) clearInterval(t);
    for (const s of this.sessions.values()) s.closeSocket(CLOSE_CODES.goingAway, 'server shutting down');
  }

  /**
   * Everyone gets the state when e-stop, gates, lease or safety mode change;
   * `status` subscribers also get it periodically (it carries the last
   * command sent, which changes every tick). Latest-only: never queues up.
   */
  private pollState(force = false): void {
    const msg = this.stateMessage();
    const key = JSON.stringify([msg.estopped, msg.gates, msg.leaseHolder, msg.safetyMode]);
    const changed = force || key !== this.lastStateKey;
    this.lastStateKey = key;
    for (const s of this.sessions.values()) {
      if (s.welcomed && (changed || s.subscribedTo('status'))) s.outbox.setLatest('state', msg);
    }
  }

  /** Latest-only, to every welcomed client. */
  private sendPolicy(status: PolicyPortStatus): void {
    let bytes: Uint8Array | undefined;
    this.forEachWelcomed((c) => c.outbox.setLatest('policy', (bytes ??= this.encode({ op: 'policy', ...status }))));
  }

  /** Latest-only, to every welcomed client. */
  private sendRecording(status: RecordingStatus): void {
    let bytes: Uint8Array | undefined;
    this.forEachWelcomed((c) => c.outbox.setLatest('recording', (bytes ??= this.encode({ op: 'recording', ...status }))));
  }

  private forEachWelcomed(fn: (s: ClientSession) => void): void {
    for (const s of this.sessions.values()) if (s.welcomed) fn(s);
  }

  private sendHealth(): void {
    let msg: HealthMessage | undefined;
    this.forEach('health', (c) => c.outbox.setLatest('health', (msg ??= this.healthMessage())));
  }

  private forEach(stream: StreamName, fn: (s: ClientSession) => void): void {
    for (const s of this.sessions.values()) if (s.subscribedTo(stream)) fn(s);
  }
}

/** Only the teleop fields: the rest of the safety limits are the bridge's business. */
function teleopLimits(status: ControlStatus): TeleopLimits {
  const l = status.limits;
  return {
    maxJointVelocity: [...l.maxJointVelocity],
    maxTcpSpeed: l.maxTcpSpeed,
    deadmanTimeout: l.deadmanTimeout,
    workspace: { min: [...l.workspace.min], max: [...l.workspace.max] },
    toolOffset: status.toolOffset ? [...status.toolOffset] : [0, 0, 0],
  };
}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
