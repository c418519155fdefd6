/**
 * The data source: one WebSocket to the bridge at /ws. Sends `hello`,
 * subscribes to every stream the cell has, decodes msgpackr frames, feeds
 * telemetry into ring buffers and camera bytes into the latest-frame slots,
 * and reduces everything low-rate into the one store (notified at most once
 * per animation frame). Reconnects with capped backoff; a silent socket
 * counts as lost. Commands are sent now or dropped, never queued: a queued
 * jog replayed after a reconnect would be stale motion.
 */
import { Packr } from 'msgpackr';
import {
  BASIC_STREAMS,
  CLOSE_CODES,
  type ClientMessage,
  isServerMessage,
  MSGPACK_OPTIONS,
  PROTOCOL_VERSION,
  type ServerMessage,
  type StreamName,
} from '@cellkit/bridge/protocol';
import { CameraFrames } from './CameraFrames.ts';
import { PolicyTrace } from './PolicyTrace.ts';
import { type CellState, initialCellState, reduceLink, reduceServerMessage } from './cellState.ts';
import { type FrameScheduler, Store } from './Store.ts';
import { Telemetry } from './Telemetry.ts';

/** The part of the browser WebSocket the client uses; tests pass a fake. */
export interface SocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export type SocketFactory = (url: string) => SocketLike;

export interface Timers {
  setTimeout(cb: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(cb: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

const globalTimers: Timers = {
  setTimeout: (cb, ms) => setTimeout(cb, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  setInterval: (cb, ms) => setInterval(cb, ms),
  clearInterval: (h) => clearInterval(h as ReturnType<typeof setInterval>),
};

export interface BridgeClientOptions {
  /** ws(s)://host:port/ws. */
  url: string;
  /** Shown to other operators and written to the audit log. */
  clientName: string;
  /** Access token, needed when the bridge listens beyond loopback. */
  token?: string;
  /** Default: the browser's WebSocket. */
  createSocket?: SocketFactory;
  /** Default: requestAnimationFrame with a timer backstop. */
  schedule?: FrameScheduler;
  /** Default: the global timers. */
  timers?: Timers;
  /** ms wall clock. Default Date.now. */
  now?: () => number;
  /** Reconnect delays: doubling from `initialMs` up to `maxMs`. Default 500 → 5000 ms. */
  backoff?: { initialMs: number; maxMs: number };
  /** No frame for this long on an open socket means the link is dead. Default 4000 ms (health arrives every second). */
  silenceMs?: number;
  /** Telemetry and camera rate asked of the bridge, Hz. Default 30. */
  rateHz?: number;
}

export class BridgeClient {
  readonly store: Store<CellState>;
  readonly telemetry = new Telemetry();
  readonly cameras = new CameraFrames();
  /** Predicted vs executed velocities of the running policy (ring buffers for the Deploy plots). */
  readonly policyTrace = new PolicyTrace();
  private readonly opts: BridgeClientOptions;
  private readonly packr = new Packr({ ...MSGPACK_OPTIONS });
  private readonly timers: Timers;
  private readonly now: () => number;
  private socket: SocketLike | undefined;
  private reconnectTimer: unknown;
  private watchdog: unknown;
  private lastFrameAt = 0;
  private stopped = true;
  private feedbackId = 0;
  /** Frames that decoded to something that is not a server message. */
  invalidFrames = 0;

  constructor(opts: BridgeClientOptions) {
    this.opts = opts;
    this.timers = opts.timers ?? globalTimers;
    this.now = opts.now ?? Date.now;
    this.store = new Store({ initial: initialCellState, schedule: opts.schedule });
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.watchdog = this.timers.setInterval(() => this.checkSilence(), 1000);
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.timers.clearTimeout(this.reconnectTimer);
    this.timers.clearInterval(this.watchdog);
    const s = this.socket;
    this.socket = undefined;
    if (s) {
      s.onopen = s.onclose = s.onmessage = s.onerror = null;
      s.close(1000, 'page closed');
    }
    this.store.update((st) => reduceLink(st, { state: 'closed' }));
  }

  /** True when a welcomed socket is open and commands can go out. */
  get ready(): boolean {
    return this.socket !== undefined && this.socket.readyState === 1 && this.store.getSnapshot().link.state === 'open';
  }

  /** Sends now or drops (returns false); never queues. */
  send(msg: ClientMessage): boolean {
    const s = this.socket;
    if (!s || s.readyState !== 1) return false;
    if (msg.op !== 'hello' && this.store.getSnapshot().link.state !== 'open') return false;
    s.send(this.packr.pack(msg));
    return true;
  }

  private connect(): void {
    if (this.stopped) return;
    const create = this.opts.createSocket ?? ((url: string) => new WebSocket(url) as unknown as SocketLike);
    let s: SocketLike;
    try {
      s = create(this.opts.url);
    } catch (err) {
      this.lost(`could not open ${this.opts.url}: ${(err as Error).message}`);
      return;
    }
    this.socket = s;
    s.binaryType = 'arraybuffer';
    this.lastFrameAt = this.now();
    s.onopen = () => {
      if (this.socket !== s) return;
      this.lastFrameAt = this.now();
      const hello: ClientMessage = { op: 'hello', version: PROTOCOL_VERSION, clientName: this.opts.clientName };
      if (this.opts.token) hello.token = this.opts.token;
      this.send(hello);
    };
    s.onmessage = (ev) => {
      if (this.socket !== s) return;
      this.lastFrameAt = this.now();
      this.receive(ev.data);
    };
    s.onclose = (ev) => {
      if (this.socket !== s) return;
      this.socket = undefined;
      this.closed(ev.code);
    };
    // Errors are always followed by close; the close decides what happens.
    s.onerror = () => {};
  }

  private receive(data: unknown): void {
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : data instanceof Uint8Array ? data : undefined;
    if (!bytes) {
      this.invalidFrames++;
      return;
    }
    let msg: unknown;
    try {
      msg = this.packr.unpack(bytes);
    } catch {
      this.invalidFrames++;
      return;
    }
    if (!isServerMessage(msg)) {
      this.invalidFrames++;
      return;
    }
    this.dispatch(msg);
  }

  private dispatch(msg: ServerMessage): void {
    switch (msg.op) {
      case 'welcome':
        this.telemetry.reset(msg.cell.jointNames.length);
        this.policyTrace.reset(msg.cell.jointNames.length);
        this.cameras.clear();
        break;
      case 'telemetry':
        this.telemetry.ingest(msg);
        break;
      case 'policy':
        this.policyTrace.ingest(msg);
        break;
      case 'camera':
        this.cameras.put(msg.camera, msg.stamp, msg.data);
        return;
      case 'error':
        if (msg.code === 'unauthorized' || msg.code === 'version_mismatch') this.refused(msg.code, msg.message, msg.tip);
        break;
    }
    const ctx = { now: this.now(), nextId: () => ++this.feedbackId };
    const before = this.store.getSnapshot().link;
    const back = msg.op === 'welcome' && before.everOpen && before.state !== 'open';
    this.store.update((s) => {
      const next = reduceServerMessage(s, msg, ctx);
      return back ? { ...next, link: { ...next.link, reconnects: s.link.reconnects + 1 } } : next;
    });
    // After the reduce: the link is open now, so the subscribe may go out.
    if (msg.op === 'welcome') this.subscribe(msg.cell.cameras);
  }

  private subscribe(cameras: string[]): void {
    const streams: StreamName[] = [...BASIC_STREAMS, ...cameras.map((c) => `camera:${c}` as StreamName)];
    this.send({ op: 'subscribe', streams, maxRateHz: this.opts.rateHz ?? 30 });
  }

  private refused(code: string, message: string, tip: string | undefined): void {
    const fallback = code === 'unauthorized' ? 'Open the link with the access token (…/?token=…) or ask an admin for one.' : 'Reload the page so it matches the bridge.';
    this.store.update((s) => reduceLink(s, { fatal: { code, message: `The cell refused this screen: ${message}`, tip: tip ?? fallback } }));
  }

  private closed(code: number): void {
    if (code === CLOSE_CODES.unauthorized || code === CLOSE_CODES.versionMismatch) {
      // Retrying cannot help until a person changes the token or reloads; retry slowly anyway.
      this.lost(undefined, this.opts.backoff?.maxMs ?? 5000);
      return;
    }
    this.lost();
  }

  private lost(_why?: string, delayMs?: number): void {
    if (this.stopped) return;
    const link = this.store.getSnapshot().link;
    const attempts = link.state === 'open' ? 1 : link.attempts + 1;
    this.store.update((s) => reduceLink(s, { state: link.everOpen ? 'lost' : 'connecting', attempts }));
    const b = this.opts.backoff ?? { initialMs: 500, maxMs: 5000 };
    const delay = delayMs ?? Math.min(b.maxMs, b.initialMs * 2 ** Math.max(0, attempts - 1));
    this.timers.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = this.timers.setTimeout(() => this.connect(), delay);
  }

  private checkSilence(): void {
    const s = this.socket;
    if (!s || this.stopped) return;
    const silence = this.now() - this.lastFrameAt;
    if (silence <= (this.opts.silenceMs ?? 4000)) return;
    // A dead link may take minutes to report close: drop the socket ourselves.
    this.socket = undefined;
    s.onopen = s.onclose = s.onmessage = s.onerror = null;
    try {
      s.close(4000, 'silent');
    } catch {
      /* already closing */
    }
    this.lost(`no data for ${silence} ms`);
  }
}
