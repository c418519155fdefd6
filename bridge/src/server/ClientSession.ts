/**
 * One WebSocket client: decodes and validates every inbound frame, enforces
 * hello-first, the role and the lease, forwards control requests to the
 * control port, writes the audit log, and owns the client's outbox and
 * flush timer. A bad frame is answered with `error` and the connection
 * lives on; only a failed `hello` closes it.
 */
import type { WebSocket } from 'ws';
import type { AuditEntry } from '../access/AuditLog.ts';
import type { Principal } from '../access/AccessPolicy.ts';
import type { ClientMessage, ClientOp, StreamName } from '../protocol/ClientMessage.ts';
import { clientMessageProblem, type EstopMessage, isEstop } from '../protocol/ClientMessage.ts';
import { ERROR_CODES } from '../protocol/ErrorCode.ts';
import { CLOSE_CODES, MAX_RATE_HZ, PROTOCOL_VERSION } from '../protocol/protocolConstants.ts';
import { type Permission, type Role, ROLES, roleAllows } from '../protocol/Role.ts';
import type { ErrorMessage } from '../protocol/ServerMessage.ts';
import type { ControlResult } from './ControlPort.ts';
import { Outbox } from './Outbox.ts';
import type { SessionContext } from './SessionContext.ts';
import { TokenBucket } from './TokenBucket.ts';

/** What each op needs; `hello` and `ping` need no role beyond a welcome. */
const OP_PERMISSION: Record<ClientOp, Permission | undefined> = {
  hello: undefined,
  ping: undefined,
  subscribe: 'watch',
  estop: 'estop',
  'estop.reset': 'control',
  'lease.acquire': 'control',
  'lease.release': 'control',
  'teleop.joints': 'control',
  'teleop.twist': 'control',
  'teleop.gripper': 'control',
  'record.start': 'control',
  'record.stop': 'control',
  'policy.start': 'control',
  'policy.stop': 'control',
  'policy.resume': 'control',
};

export class ClientSession {
  name = '';
  role: Role | undefined;
  private principal: Principal | undefined;
  private streams = new Set<string>();
  readonly outbox: Outbox;
  private readonly bucket: TokenBucket;
  private flushTimer: NodeJS.Timeout | undefined;
  /** At the top rate: the flush already scheduled for the end of this I/O turn. */
  private sampleFlush: NodeJS.Immediate | undefined;
  private helloTimer: NodeJS.Timeout | undefined;
  private rateHz: number;
  /** Rate-limited messages not yet reported, and when the last report went out (s). */
  private droppedInbound = 0;
  private lastRateReport = -Infinity;
  /** s, the last jog accepted, for "teleop started" audit lines. */
  private lastJogAt = -Infinity;
  private lastRefusal: { key: string; at: number } | undefined;
  private closed = false;

  constructor(
    private readonly ws: WebSocket,
    readonly id: string,
    readonly remote: string,
    private readonly ctx: SessionContext,
  ) {
    const o = ctx.options;
    this.rateHz = o.defaultRateHz;
    this.bucket = new TokenBucket({ ratePerSecond: o.maxMessagesPerSecond });
    this.outbox = new Outbox(ws, {
      encode: ctx.encode,
      lowWaterBytes: o.lowWaterBytes,
      highWaterBytes: o.highWaterBytes,
      maxQueuedMessages: o.maxQueuedMessages,
      maxBatchSamples: o.maxBatchSamples,
      onOverflow: () => {
        ctx.log('warn', `client ${this.label} reads too slowly (over ${o.maxQueuedMessages} queued messages); closing it`);
        ws.close(CLOSE_CODES.tooSlow, 'client too slow');
      },
    });
    this.helloTimer = setTimeout(() => {
      this.fail({ code: ERROR_CODES.helloRequired, message: `expected hello within ${o.helloTimeoutMs} ms of connecting, found none` }, CLOSE_CODES.helloTimeout);
    }, o.helloTimeoutMs);
  }

  get welcomed(): boolean {
    return this.role !== undefined;
  }

  get label(): string {
    return this.name ? `${this.name} [${this.id}]` : `[${this.id} ${this.remote}]`;
  }

  /** Bytes the socket has not yet handed to the kernel: the client's lag. */
  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  get subscriptions(): string[] {
    return [...this.streams];
  }

  subscribedTo(stream: StreamName): boolean {
    return this.streams.has(stream);
  }

  handleFrame(data: Buffer, isBinary: boolean): void {
    if (this.closed) return;
    if (!this.bucket.take()) {
      // An e-stop is never rate limited: a client flooding (or a UI bug) must not mute its own stop button.
      const estop = isBinary ? this.estopIn(data) : undefined;
      if (estop) return this.run(estop);
      this.reportRateLimited();
      return;
    }
    if (!isBinary) {
      this.error({ code: ERROR_CODES.badFrame, message: 'expected a binary frame holding one MessagePack map, found a text frame', tip: 'send msgpackr-encoded binary frames (PROTOCOL.md)' });
      return;
    }
    let value: unknown;
    try {
      value = this.ctx.decode(data);
    } catch (err) {
      this.error({ code: ERROR_CODES.badFrame, message: `expected one MessagePack value, found ${data.length} bytes that do not decode (${(err as Error).message})` });
      return;
    }
    const problem = clientMessageProblem(value);
    if (problem) {
      this.error({ code: problem.code, message: problem.message, requestOp: problem.op });
      return;
    }
    this.run(value as ClientMessage);
  }

  private run(msg: ClientMessage): void {
    try {
      this.dispatch(msg);
    } catch (err) {
      // A bug or a throwing control port must not take the connection (or the server) down.
      this.ctx.log('error', `handling ${msg.op} from ${this.label}: ${(err as Error).stack ?? err}`);
      this.error({ code: ERROR_CODES.internal, message: `the bridge failed handling ${msg.op}: ${(err as Error).message}`, requestOp: msg.op });
    }
  }

  /** The frame's message if it is a valid e-stop, else undefined. */
  private estopIn(data: Buffer): EstopMessage | undefined {
    try {
      const value = this.ctx.decode(data);
      return isEstop(value) ? value : undefined;
    } catch {
      return undefined;
    }
  }

  /** Sends pending telemetry, frames and state; runs at the client's rate. */
  flush(): void {
    this.outbox.flush();
  }

  /**
   * A joint or wrench sample was batched for this client. At the top rate
   * ("every sample as it arrives") it goes out when the current I/O turn
   * ends, instead of waiting up to a timer period (2 ms, more on a busy
   * loop) — that wait was most of what the bridge added to the motion a
   * jogging client sees. setImmediate, not a send right here: samples read
   * in the same turn (a joint state and its wrench) share one frame.
   */
  sampleQueued(): void {
    if (this.rateHz < MAX_RATE_HZ || this.sampleFlush || this.closed) return;
    this.sampleFlush = setImmediate(() => {
      this.sampleFlush = undefined;
      if (!this.closed) this.outbox.flush();
    });
  }

  /** The socket closed: stop timers, and give up the lease so the controller sends zeros. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.helloTimer);
    clearInterval(this.flushTimer);
    clearImmediate(this.sampleFlush);
    this.outbox.clear();
    if (this.welcomed && this.ctx.control.leaseHolder === this.id) {
      try {
        const r = this.ctx.control.releaseLease(this.id);
        this.audit('lease.release', r, { reason: 'disconnect' });
        this.ctx.leaseChanged();
      } catch (err) {
        this.ctx.log('error', `releasing the lease of ${this.label} on disconnect: ${(err as Error).stack ?? err}`);
      }
    }
  }

  /** Closes the socket (server shutdown); the 'close' event then calls `close()`. */
  closeSocket(code: number, reason: string): void {
    this.outbox.flush();
    this.ws.close(code, reason);
  }

  send(msg: Parameters<Outbox['send']>[0]): void {
    if (!this.closed) this.outbox.send(msg);
  }

  private dispatch(msg: ClientMessage): void {
    if (msg.op === 'hello') return this.hello(msg);
    if (!this.welcomed) {
      return this.error({ code: ERROR_CODES.helloRequired, message: `expected hello first, found ${msg.op}`, requestOp: msg.op, tip: 'send { op: "hello", version, clientName, token? } and wait for welcome' });
    }
    const needed = OP_PERMISSION[msg.op];
    if (needed && !roleAllows(this.role!, needed)) {
      const allowed = ROLES.filter((r) => roleAllows(r, needed)).join(' or ');
      if (needed === 'control') this.audit(msg.op, { accepted: false, code: ERROR_CODES.forbidden });
      return this.error({ code: ERROR_CODES.forbidden, message: `role ${this.role} may not ${msg.op}; it needs ${allowed}`, requestOp: msg.op, tip: 'ask an admin for a token with that role' });
    }
    const ctl = this.ctx.control;
    switch (msg.op) {
      case 'ping':
        return this.send({ op: 'pong', t: msg.t, serverTime: Date.now() / 1000 });
      case 'subscribe':
        return this.subscribe(msg.streams, msg.maxRateHz);
      case 'lease.acquire': {
        // Supervised policy: asking for the lease is taking over, like a jog.
        this.ctx.policy?.takeover(this.id, this.label);
        const holder = ctl.leaseHolder;
        if (holder !== undefined && holder !== this.id) {
          return this.refuse(msg.op, { accepted: false, code: ERROR_CODES.leaseHeld, message: `the lease is held by ${this.ctx.holderName(holder)}; wait until it is released` });
        }
        return this.result(msg.op, ctl.acquireLease(this.id), true);
      }
      case 'lease.release':
        if (ctl.leaseHolder !== this.id) return this.refuse(msg.op, this.notHolder());
        return this.result(msg.op, ctl.releaseLease(this.id), true);
      case 'teleop.joints': {
        const n = this.ctx.cell.description.jointNames.length;
        if (msg.velocities.length !== n) {
          return this.error({ code: ERROR_CODES.wrongJointCount, message: `teleop.joints: expected ${n} velocities (${this.ctx.cell.description.jointNames.join(', ')}), found ${msg.velocities.length}`, requestOp: msg.op });
        }
        return this.jog(msg.op, () => ctl.jogJoints(this.id, msg.velocities));
      }
      case 'teleop.twist':
        return this.jog(msg.op, () => ctl.jogTwist(this.id, { linear: msg.linear, angular: msg.angular, frame: msg.frame }));
      case 'teleop.gripper':
        if (!this.ctx.cell.description.hasGripper) {
          return this.error({ code: ERROR_CODES.unsupported, message: `teleop.gripper: the ${this.ctx.cell.description.arm} cell has no gripper`, requestOp: msg.op });
        }
        return this.jog(msg.op, () => ctl.setGripper(this.id, msg.position));
      case 'estop': {
        const reason = msg.reason ?? 'e-stop pressed';
        const r = ctl.estop(this.label, reason);
        this.audit(msg.op, r, { reason });
        this.ctx.stateChanged();
        if (!r.accepted) this.error({ code: r.code ?? ERROR_CODES.internal, message: r.message ?? 'the e-stop was refused', requestOp: msg.op, tip: 'use the hardware e-stop' });
        return;
      }
      case 'estop.reset':
        this.result(msg.op, ctl.resetEstop(this.label), false);
        return this.ctx.stateChanged();
      case 'record.start':
      case 'record.stop':
      case 'policy.start':
      case 'policy.stop':
      case 'policy.resume': {
        if ((msg.op === 'record.start' || msg.op === 'record.stop') && this.ctx.recording) return this.record(msg);
        if (msg.op !== 'record.start' && msg.op !== 'record.stop' && this.ctx.policy) return this.runPolicy(msg);
        const { op, ...detail } = msg;
        return this.refuse(op, { accepted: false, code: ERROR_CODES.notImplemented, message: `${op} is reserved in protocol ${PROTOCOL_VERSION} but this bridge does not serve it yet` }, detail);
      }
    }
  }

  private hello(msg: Extract<ClientMessage, { op: 'hello' }>): void {
    if (this.welcomed) return this.error({ code: ERROR_CODES.alreadyWelcomed, message: 'expected one hello per connection, found a second', requestOp: 'hello' });
    this.name = msg.clientName;
    if (msg.version !== PROTOCOL_VERSION) {
      return this.fail({ code: ERROR_CODES.versionMismatch, message: `expected protocol version ${PROTOCOL_VERSION}, found ${msg.version}`, requestOp: 'hello', tip: 'reload the UI so it matches the bridge' }, CLOSE_CODES.versionMismatch);
    }
    const principal = this.ctx.access.authenticate(msg.token);
    if (!principal) {
      const found = msg.token === undefined ? 'none' : 'an unknown token';
      this.ctx.audit.record({ who: this.name, clientId: this.id, role: 'system', principal: this.remote, action: 'hello', result: 'refused', code: ERROR_CODES.unauthorized });
      return this.fail({ code: ERROR_CODES.unauthorized, message: `this bridge listens beyond loopback and requires an access token; expected a valid hello.token, found ${found}`, requestOp: 'hello', tip: 'use the token printed when the bridge first started, or ask an admin for one' }, CLOSE_CODES.unauthorized);
    }
    clearTimeout(this.helloTimer);
    this.principal = principal;
    this.role = principal.role;
    this.send({ op: 'welcome', version: PROTOCOL_VERSION, clientId: this.id, role: principal.role, cell: this.ctx.cell.description, limits: this.ctx.limits() });
    this.send(this.ctx.leaseMessage());
    this.send(this.ctx.stateMessage());
    const recording = this.ctx.recordingMessage();
    if (recording) this.send(recording);
    const policy = this.ctx.policyMessage();
    if (policy) this.send(policy);
    if (this.ctx.access.requiresToken) this.audit('hello', { accepted: true }, { remote: this.remote });
    this.startFlushing();
    this.ctx.log('info', `client ${this.label} welcomed as ${principal.role} from ${this.remote}`);
  }

  private subscribe(streams: StreamName[], maxRateHz: number | undefined): void {
    const cameras = this.ctx.cell.description.cameras;
    const unknown = streams.filter((s) => s.startsWith('camera:') && !cameras.includes(s.slice('camera:'.length)));
    if (unknown.length > 0) {
      return this.error({ code: ERROR_CODES.unknownStream, message: `subscribe: unknown ${unknown.join(', ')}; this cell's cameras are ${cameras.length ? cameras.join(', ') : 'none'}`, requestOp: 'subscribe' });
    }
    const added = streams.filter((s) => !this.streams.has(s));
    this.streams = new Set(streams);
    const rate = maxRateHz ?? this.ctx.options.defaultRateHz;
    if (rate !== this.rateHz) {
      this.rateHz = rate;
      this.startFlushing();
    }
    // New subscribers see the slow streams at once rather than after their next period.
    if (added.includes('health')) this.outbox.setLatest('health', this.ctx.healthMessage());
    if (added.includes('status')) this.outbox.setLatest('state', this.ctx.stateMessage());
  }

  /**
   * record.start / record.stop: no lease needed (an operator may record while
   * another drives). The outcome reaches every client as a `recording`
   * message; a refusal or failure is answered to this client as `error`.
   */
  private record(msg: Extract<ClientMessage, { op: 'record.start' | 'record.stop' }>): void {
    const recording = this.ctx.recording!;
    const { op, ...detail } = msg;
    const done =
      msg.op === 'record.start'
        ? recording.start({ dataset: msg.dataset, task: msg.task, operator: this.name })
        : recording.stop({ outcome: msg.outcome, ...(msg.notes === undefined ? {} : { notes: msg.notes }) });
    done.then(
      () => this.audit(op, { accepted: true }, detail),
      (err: Error & { code?: string; tip?: string }) => {
        const code = err.code ?? ERROR_CODES.internal;
        this.audit(op, { accepted: false, code, message: err.message }, detail);
        this.error({ code, message: err.message, requestOp: op, ...(err.tip ? { tip: err.tip } : {}) });
      },
    );
  }

  /**
   * policy.start / stop / resume. The runner (not this client) holds the
   * lease while a policy drives; the state reaches every client as `policy`
   * messages, a refusal is answered to this client as `error` with a tip.
   */
  private runPolicy(msg: Extract<ClientMessage, { op: 'policy.start' | 'policy.stop' | 'policy.resume' }>): void {
    const policy = this.ctx.policy!;
    const { op, ...detail } = msg;
    const refused = (err: Error & { code?: string; tip?: string }) => {
      const code = err.code ?? ERROR_CODES.internal;
      this.audit(op, { accepted: false, code, message: err.message }, detail);
      this.error({ code, message: err.message, requestOp: op, ...(err.tip ? { tip: err.tip } : {}) });
    };
    const done = () => {
      this.audit(op, { accepted: true }, detail);
      this.ctx.leaseChanged();
    };
    try {
      if (msg.op === 'policy.start') return void policy.start({ policy: msg.policy, mode: msg.mode, speedScale: msg.speedScale, clientId: this.id }).then(done, refused);
      if (msg.op === 'policy.stop') policy.stop(this.label);
      else policy.resume(this.id);
      done();
    } catch (err) {
      refused(err as Error);
    }
  }

  /** Jogs: the lease is checked here for a clear code; the control port still decides. */
  private jog(op: ClientOp, request: () => ControlResult): void {
    // Supervised policy: any operator jog takes over at once (the runner yields the lease to this client).
    if (this.ctx.policy?.takeover(this.id, this.label)) this.ctx.leaseChanged();
    if (this.ctx.control.leaseHolder !== this.id) return this.refuse(op, this.notHolder());
    const r = request();
    if (!r.accepted) return this.refuse(op, r);
    const now = Date.now() / 1000;
    // One audit line per burst of jogging, not one per frame at 60 Hz.
    if (now - this.lastJogAt > this.ctx.options.teleopPauseSeconds) this.audit(op, r, { started: true });
    this.lastJogAt = now;
    this.lastRefusal = undefined;
  }

  private notHolder(): ControlResult {
    const holder = this.ctx.control.leaseHolder;
    return {
      accepted: false,
      code: ERROR_CODES.notLeaseHolder,
      message: holder === undefined ? 'expected this client to hold the lease, found it free' : `expected this client to hold the lease, found ${this.ctx.holderName(holder)} holding it`,
    };
  }

  /** A control result: audit it, answer an error if refused, and re-broadcast the lease if it may have changed. */
  private result(op: ClientOp, r: ControlResult, leaseOp: boolean): void {
    if (!r.accepted) return this.refuse(op, r);
    this.audit(op, r);
    if (leaseOp) this.ctx.leaseChanged();
  }

  private refuse(op: ClientOp, r: ControlResult, detail?: Record<string, unknown>): void {
    const code = r.code ?? 'refused';
    if (op.startsWith('teleop.')) {
      const now = Date.now() / 1000;
      const last = this.lastRefusal;
      const key = `${op} ${code}`;
      // A held jog key refused at 60 Hz would flood the log: one line per op and code per pause.
      if (!last || last.key !== key || now - last.at > this.ctx.options.teleopPauseSeconds) this.audit(op, r, detail);
      this.lastRefusal = { key, at: now };
    } else {
      this.audit(op, r, detail);
    }
    this.error({ code, message: r.message ?? `${op} was refused (${code})`, requestOp: op });
  }

  private audit(action: string, r: ControlResult, detail?: Record<string, unknown>): void {
    const entry: Omit<AuditEntry, 'time'> = {
      who: this.name,
      clientId: this.id,
      role: this.role ?? 'system',
      principal: this.principal?.name ?? this.remote,
      action,
      result: r.accepted ? 'accepted' : 'refused',
    };
    if (r.code !== undefined) entry.code = r.code;
    if (!r.accepted && r.message !== undefined) entry.message = r.message;
    if (detail && Object.keys(detail).length > 0) entry.detail = detail;
    this.ctx.audit.record(entry);
  }

  private reportRateLimited(): void {
    this.droppedInbound += 1;
    const now = performance.now() / 1000;
    // At most one report a second: answering every dropped frame would double the flood.
    if (now - this.lastRateReport < 1) return;
    this.lastRateReport = now;
    const n = this.droppedInbound;
    this.droppedInbound = 0;
    this.error({ code: ERROR_CODES.rateLimited, message: `expected at most ${this.ctx.options.maxMessagesPerSecond} messages per second, found more; dropped ${n}`, tip: 'send jog frames at a steady 30–60 Hz' });
  }

  private error(e: Omit<ErrorMessage, 'op'>): void {
    const msg: ErrorMessage = { op: 'error', code: e.code, message: e.message };
    if (e.requestOp !== undefined) msg.requestOp = e.requestOp;
    if (e.tip !== undefined) msg.tip = e.tip;
    this.send(msg);
  }

  /** Error, then close: the ws close frame follows the error frame on the same socket. */
  private fail(e: Omit<ErrorMessage, 'op'>, closeCode: number): void {
    this.error(e);
    this.ctx.log('warn', `client ${this.label} from ${this.remote}: ${e.code}: ${e.message}`);
    this.outbox.flush();
    this.ws.close(closeCode, e.code);
    this.close();
  }

  private startFlushing(): void {
    clearInterval(this.flushTimer);
    this.flushTimer = setInterval(() => this.flush(), 1000 / this.rateHz);
  }
}
