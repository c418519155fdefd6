// The roslib side of a cell: one rosbridge connection through a robot
// profile's adapter, kept alive with capped exponential backoff. Every
// (re)connection is a fresh roslib `Ros` ("session"): roslib's own
// reconnect machinery queues publishes while down and replays them on
// reconnect (DESIGN.md hazard), so we never let a session outlive its socket.
import { type ITransport, type ITransportFactory, Ros, Service, Topic } from 'roslib';
import type { CellAction, Problem, ProfileAdapter, ProfileSubscription } from '../profiles/index.ts';
import { wsTransportFactory } from '../ros/connectRos.ts';
import type { CellCommand, CellConnection, CellDescription, CellEvents, CellStatusSample, ConnectionHealth, ConnectionState } from './Cell.ts';
import { describeClose, describeError, ProblemLog } from './ProblemLog.ts';
import { TypedEmitter } from './TypedEmitter.ts';

export interface RosCellConnectionOptions {
  /** rosbridge URL, e.g. ws://robot-pc:9090. */
  url: string;
  /** The profile's adapter (`getProfile(name).createAdapter(settings)`). */
  adapter: ProfileAdapter;
  /** One connection attempt gives up after this long. Default 3000 ms. */
  connectTimeoutMs?: number;
  /** Delay before reconnect attempt n: min(maxDelayMs, initialDelayMs·factor^n). Defaults 200 ms, 2, 5000 ms. */
  reconnect?: { initialDelayMs?: number; factor?: number; maxDelayMs?: number };
  /**
   * How long to wait for CBOR subscriptions to deliver before judging the
   * server (see `CborProbe` below). Default 1500 ms.
   */
  cborProbeMs?: number;
  /** Connected, but not one message for this long: the link is dead (half-open TCP); reconnect. Default 3000 ms. */
  silenceTimeoutMs?: number;
  /** A service call (dashboard action) fails after this long. Default 5000 ms. */
  serviceTimeoutMs?: number;
  /** Epoch seconds. Default `Date.now() / 1000`. */
  clock?: () => number;
  /** roslib transport factory. Default: the `ws` package (connectRos). */
  transportFactory?: ITransportFactory;
  /** Receives decode faults and connection faults as they happen (also kept in `problems()`). */
  onProblem?: (p: Problem) => void;
}

/** One connection attempt and, once open, its subscriptions and publishers. */
interface Session {
  ros: Ros;
  transport?: ITransport;
  open: boolean;
  subscribed: Topic[];
  publishers: Map<string, Topic>;
  timers: ReturnType<typeof setTimeout>[];
  /**
   * CBOR probe. rosbridge never answers a subscribe (no status frames on
   * success, and ROS 2 rosbridge sends none on failure either), so support
   * for `compression: 'cbor'` is judged from traffic: once any CBOR
   * subscription delivers, CBOR works. If within `cborProbeMs` JSON topics
   * (the latched safety mode, speed scaling) deliver but no CBOR one does,
   * or a status frame reports an error for a CBOR subscribe, CBOR is not
   * supported: every CBOR subscription is re-made as JSON. A topic that is
   * merely quiet (no F/T sensor) never causes a fallback by itself.
   */
  cbor: 'probing' | 'works' | 'json-fallback';
  /** Topics re-subscribed as JSON by the fallback. */
  fellBack: Set<string>;
  jsonMessages: number;
  probeRounds: number;
}

/** A `CellConnection` over rosbridge v2 with roslib 2.x. */
export class RosCellConnection implements CellConnection {
  readonly description: CellDescription;
  private readonly adapter: ProfileAdapter;
  private readonly opts: Required<Omit<RosCellConnectionOptions, 'onProblem' | 'reconnect' | 'adapter'>> & {
    reconnect: Required<NonNullable<RosCellConnectionOptions['reconnect']>>;
  };
  private readonly emitter = new TypedEmitter<CellEvents>();
  private session?: Session;
  private state: ConnectionState = 'connecting';
  private since: number;
  private error?: string;
  private reconnects = 0;
  private everConnected = false;
  private attempt = 0;
  private lastMessageAt?: number;
  /** The cell's clock: stamps commands for drivers that check their age. */
  private latestJointStamp?: number;
  private reconnectTimer?: ReturnType<typeof setTimeout>;
  private readonly silenceTimer: ReturnType<typeof setInterval>;
  private status: CellStatusSample;
  private readonly problemLog: ProblemLog;
  private firstConnect: { resolve: () => void; reject: (e: Error) => void }[] = [];

  /** Start connecting (and keep reconnecting) in the background; see `connect` to wait for the first connection. */
  constructor(opts: RosCellConnectionOptions) {
    this.adapter = opts.adapter;
    this.opts = {
      url: opts.url,
      connectTimeoutMs: opts.connectTimeoutMs ?? 3000,
      reconnect: { initialDelayMs: 200, factor: 2, maxDelayMs: 5000, ...opts.reconnect },
      cborProbeMs: opts.cborProbeMs ?? 1500,
      silenceTimeoutMs: opts.silenceTimeoutMs ?? 3000,
      serviceTimeoutMs: opts.serviceTimeoutMs ?? 5000,
      clock: opts.clock ?? (() => Date.now() / 1000),
      transportFactory: opts.transportFactory ?? wsTransportFactory,
    };
    this.description = { ...opts.adapter.description, url: opts.url };
    this.problemLog = new ProblemLog(opts.onProblem);
    this.since = this.opts.clock();
    this.status = { receivedAt: this.since, ...opts.adapter.initialStatus };
    this.silenceTimer = setInterval(() => this.checkSilence(), Math.max(50, this.opts.silenceTimeoutMs / 4));
    this.startAttempt();
  }

  /**
   * Connect and wait for the first connection (up to `waitMs`, default
   * `connectTimeoutMs`); rejects, closing everything, if the cell cannot be
   * reached. After that, reconnection is automatic.
   */
  static async connect(opts: RosCellConnectionOptions & { waitMs?: number }): Promise<RosCellConnection> {
    const conn = new RosCellConnection(opts);
    const waitMs = opts.waitMs ?? conn.opts.connectTimeoutMs;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`could not reach the cell at ${opts.url} within ${waitMs} ms (${conn.error ?? 'no answer'}); is rosbridge_server running there and the port open?`)),
          waitMs,
        );
        conn.firstConnect.push({ resolve: () => (clearTimeout(timer), resolve()), reject: (e) => (clearTimeout(timer), reject(e)) });
      });
    } catch (e) {
      await conn.close();
      throw e;
    }
    return conn;
  }

  health(): ConnectionHealth {
    const h: ConnectionHealth = {
      state: this.state,
      url: this.opts.url,
      lastMessageAge: this.lastMessageAt === undefined ? null : Math.max(0, this.opts.clock() - this.lastMessageAt),
      reconnects: this.reconnects,
      since: this.since,
    };
    if (this.error !== undefined) h.error = this.error;
    return h;
  }

  /** The latest safety mode and speed scaling (the profile's initial values until the driver reports). */
  cellStatus(): CellStatusSample {
    return { ...this.status };
  }

  /** Faults seen so far (decode errors, unsupported actions), deduplicated with counts. */
  problems(): (Problem & { count: number })[] {
    return this.problemLog.list();
  }

  /** How each subscription is encoded on the current session: 'cbor', 'json' or 'json (cbor fallback)'. */
  encodings(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const t of this.session?.subscribed ?? []) {
      out[t.name] = t.compression === 'cbor' ? 'cbor' : this.session?.fellBack.has(t.name) ? 'json (cbor fallback)' : 'json';
    }
    return out;
  }

  on<K extends keyof CellEvents>(event: K, listener: CellEvents[K]): () => void {
    return this.emitter.on(event, listener);
  }

  /**
   * Publish `cmd` now, or drop it and return false when not connected.
   * Checks the socket itself: roslib's `publish` on a closed connection
   * queues the message and flushes it on reconnect — stale motion.
   */
  send(cmd: CellCommand): boolean {
    const s = this.session;
    if (this.state !== 'connected' || !s?.open || !s.ros.isConnected || !s.transport?.isOpen()) return false;
    const n = this.description.jointNames.length;
    if (!Array.isArray(cmd?.velocities) || cmd.velocities.length !== n || !cmd.velocities.every(Number.isFinite)) {
      this.problem({ severity: 'error', message: `send: expected ${n} finite joint velocities, found ${JSON.stringify(cmd?.velocities)}`, tip: 'This is a bridge bug: report it.' });
      return false;
    }
    const stamp = this.latestJointStamp ?? this.opts.clock();
    for (const out of this.adapter.encodeCommand(cmd, { stamp })) {
      let pub = s.publishers.get(out.topic.name);
      if (!pub) {
        pub = new Topic({ ros: s.ros, name: out.topic.name, messageType: out.topic.type, reconnect_on_close: false });
        s.publishers.set(out.topic.name, pub);
      }
      pub.publish(out.msg);
    }
    return true;
  }

  async callAction(action: CellAction): Promise<{ success: boolean; message: string }> {
    const ref = this.adapter.actions[action];
    if (!ref) {
      return { success: false, message: `The ${this.description.profile} profile has no "${action}" action; use the robot's own controls.` };
    }
    const s = this.session;
    if (this.state !== 'connected' || !s?.open || !s.transport?.isOpen()) {
      return { success: false, message: `Not connected to the cell (${this.state}); ${action} was not sent. Try again once it reconnects.` };
    }
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => resolve({ success: false, message: `${ref.name} did not answer within ${this.opts.serviceTimeoutMs} ms; is the driver's dashboard client running?` }),
        this.opts.serviceTimeoutMs,
      );
      const done = (r: { success: boolean; message: string }) => (clearTimeout(timer), resolve(r));
      new Service<object, { success?: boolean; message?: string }>({ ros: s.ros, name: ref.name, serviceType: ref.type }).callService(
        {},
        (res) => done({ success: res?.success === true, message: String(res?.message ?? '') }),
        (err) => done({ success: false, message: `${ref.name} failed: ${String(err)}` }),
      );
    });
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    clearInterval(this.silenceTimer);
    clearTimeout(this.reconnectTimer);
    const s = this.session;
    this.session = undefined;
    if (s) this.teardown(s);
    this.setState('closed', undefined);
    for (const w of this.firstConnect.splice(0)) w.reject(new Error(`connection to ${this.opts.url} closed before it was established`));
  }

  private startAttempt(): void {
    if (this.state === 'closed') return;
    const ros = new Ros({
      transportFactory: async (url) => {
        const t = await this.opts.transportFactory(url);
        session.transport = t;
        return t;
      },
    });
    const session: Session = { ros, open: false, subscribed: [], publishers: new Map(), timers: [], cbor: 'probing', fellBack: new Set(), jsonMessages: 0, probeRounds: 0 };
    this.session = session;
    ros.on('connection', () => this.onOpen(session));
    ros.on('close', (e: unknown) => this.onDown(session, describeClose(e)));
    ros.on('error', (e: unknown) => {
      // An error before open is the attempt failing; after open, the close that follows does the work.
      if (!session.open) this.onDown(session, describeError(e));
    });
    session.timers.push(setTimeout(() => !session.open && this.onDown(session, `no answer within ${this.opts.connectTimeoutMs} ms`), this.opts.connectTimeoutMs));
    ros.connect(this.opts.url).catch((e: unknown) => this.onDown(session, describeError(e)));
  }

  private onOpen(s: Session): void {
    if (s !== this.session || s.open) return;
    s.open = true;
    this.attempt = 0;
    if (this.everConnected) this.reconnects++;
    this.everConnected = true;
    // Nothing old may pass for fresh: the first sample of this session sets the clock again.
    this.lastMessageAt = this.opts.clock();
    this.latestJointStamp = undefined;
    // The new session's cell has not reported yet: back to the profile's initial (gate-closing) status.
    this.status = { receivedAt: this.opts.clock(), ...this.adapter.initialStatus };
    this.emitter.emit('status', { ...this.status });
    for (const pub of this.adapter.publications) {
      const t = new Topic({ ros: s.ros, name: pub.name, messageType: pub.type, reconnect_on_close: false });
      t.advertise();
      s.publishers.set(pub.name, t);
    }
    for (const sub of this.adapter.subscriptions) this.subscribe(s, sub, sub.compression);
    if (this.adapter.subscriptions.some((x) => x.compression === 'cbor')) this.scheduleProbe(s);
    else s.cbor = 'works';
    this.setState('connected', undefined);
    for (const w of this.firstConnect.splice(0)) w.resolve();
  }

  private subscribe(s: Session, sub: ProfileSubscription, compression: 'cbor' | 'none'): void {
    const topic = new Topic<unknown>({ ros: s.ros, name: sub.name, messageType: sub.type, compression, reconnect_on_close: false });
    topic.subscribe((msg) => {
      if (s !== this.session) return;
      if (compression === 'cbor') {
        if (s.cbor === 'probing') s.cbor = 'works';
      } else s.jsonMessages++;
      this.onMessage(sub, msg);
    });
    if (compression === 'cbor' && topic.subscribeId) {
      // rosbridge ROS 1 reports a bad subscribe with a status frame (ROS 2 only logs it).
      s.ros.once(`status:${topic.subscribeId}`, (st: unknown) => {
        if ((st as { level?: string } | undefined)?.level === 'error' && s.cbor === 'probing') this.fallBackToJson(s);
      });
    }
    s.subscribed.push(topic);
  }

  private scheduleProbe(s: Session): void {
    s.timers.push(
      setTimeout(() => {
        if (s !== this.session || s.cbor !== 'probing') return;
        s.probeRounds++;
        // JSON traffic but no CBOR: the server does not do CBOR. Total silence proves nothing; after 3 rounds try JSON anyway.
        if (s.jsonMessages > 0 || s.probeRounds >= 3) this.fallBackToJson(s);
        else this.scheduleProbe(s);
      }, this.opts.cborProbeMs),
    );
  }

  private fallBackToJson(s: Session): void {
    if (s.cbor !== 'probing') return;
    s.cbor = 'json-fallback';
    const cborTopics = s.subscribed.filter((t) => t.compression === 'cbor');
    s.subscribed = s.subscribed.filter((t) => t.compression !== 'cbor');
    for (const t of cborTopics) t.unsubscribe();
    for (const sub of this.adapter.subscriptions) {
      if (sub.compression !== 'cbor') continue;
      s.fellBack.add(sub.name);
      this.subscribe(s, sub, 'none');
    }
    this.problem({
      severity: 'warn',
      message: `${this.opts.url}: CBOR subscriptions delivered nothing within ${this.opts.cborProbeMs} ms while JSON ones did; using JSON for ${cborTopics.map((t) => t.name).join(', ')}`,
      tip: 'JSON is slower for joint states and images; upgrade rosbridge_suite for CBOR support.',
    });
  }

  private onMessage(sub: ProfileSubscription, msg: unknown): void {
    const receivedAt = this.opts.clock();
    this.lastMessageAt = receivedAt;
    let input;
    try {
      input = sub.decode(msg, receivedAt);
    } catch (e) {
      input = { kind: 'problem' as const, problem: { severity: 'error' as const, message: `${sub.name}: decoder threw ${(e as Error).message}`, tip: 'This is a profile bug: report it with the message.' } };
    }
    switch (input.kind) {
      case 'joints':
        this.latestJointStamp = input.sample.stamp;
        this.emitter.emit('joints', input.sample);
        break;
      case 'wrench':
        this.emitter.emit('wrench', input.sample);
        break;
      case 'camera':
        this.emitter.emit('camera', input.frame);
        break;
      case 'status':
        this.status = {
          receivedAt,
          safetyMode: input.safetyMode ?? this.status.safetyMode,
          speedScaling: input.speedScaling ?? this.status.speedScaling,
        };
        this.emitter.emit('status', { ...this.status });
        break;
      case 'problem':
        this.problem(input.problem);
        break;
      case 'none':
        break;
    }
  }

  private onDown(s: Session, why: string): void {
    if (s !== this.session || this.state === 'closed') return;
    this.session = undefined;
    this.teardown(s);
    if (this.everConnected) this.setState('lost', why);
    else this.setState('connecting', why);
    const r = this.opts.reconnect;
    const delay = Math.min(r.maxDelayMs, r.initialDelayMs * r.factor ** this.attempt);
    this.attempt++;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.startAttempt(), delay);
  }

  private teardown(s: Session): void {
    s.open = false;
    for (const t of s.timers) clearTimeout(t);
    s.ros.removeAllListeners();
    // Stale listeners on a dead session's emitter are harmless; the socket goes now.
    try {
      s.ros.close();
    } catch {
      // Closing a socket that never opened may throw in some transports; it is gone either way.
    }
  }

  private checkSilence(): void {
    const s = this.session;
    if (!s?.open || this.lastMessageAt === undefined) return;
    const silent = this.opts.clock() - this.lastMessageAt;
    if (silent * 1000 > this.opts.silenceTimeoutMs) this.onDown(s, `no message from the cell for ${silent.toFixed(1)} s`);
  }

  private setState(state: ConnectionState, error: string | undefined): void {
    if (state === this.state && error === this.error) return;
    if (state !== this.state) this.since = this.opts.clock();
    this.state = state;
    this.error = error;
    this.emitter.emit('health', this.health());
  }

  private problem(p: Problem): void {
    this.problemLog.add(p);
  }
}
