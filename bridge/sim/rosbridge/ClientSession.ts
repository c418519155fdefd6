// One websocket client: parses its frames and runs the rosbridge v2 ops
// against the shared graph. Mirrors rosbridge_library's Protocol and
// capabilities: each failure is logged for this client (rosbridge's ROS 2
// server logs and sends nothing back, so no `status` frame by default) and
// never affects other clients.
import type { WebSocket } from 'ws';
import { ClientSubscription, type SubscriptionSink } from './ClientSubscription.ts';
import type { Frame } from './OutgoingMessage.ts';
import { checkFields } from './checkFields.ts';
import { type ClientInfo, GraphError, type RosGraph, resolveName } from './RosGraph.ts';
import { runServiceCall } from './serviceCalls.ts';

export type LogFn = (level: 'info' | 'warn' | 'error', msg: string) => void;

export interface SessionLimits {
  /** Above this many unsent bytes on the socket, topic messages are dropped for this client. */
  maxBufferedBytes: number;
  /** Incoming frames per second (token bucket, burst of the same size) before frames are dropped. */
  maxIncomingPerSecond: number;
  /** Also send errors to the client as `{op:'status', level:'error'}` (rosbridge for ROS 2 does not). */
  statusFrames: boolean;
}

type Msg = Record<string, unknown>;

const OPS = [
  'advertise', 'unadvertise', 'publish', 'subscribe', 'unsubscribe', 'call_service',
  'advertise_service', 'unadvertise_service', 'service_response', 'set_level',
] as const;

export class ClientSession implements SubscriptionSink {
  readonly info: ClientInfo;
  /** Subscriptions by the topic name as the client wrote it. */
  private readonly subs = new Map<string, ClientSubscription>();
  /** Topics this client advertised, by resolved name. */
  readonly published = new Set<string>();
  private tokens: number;
  private lastRefill = performance.now();
  private floodDropped = 0;
  private slowDropped = 0;
  private lastDropLog = -Infinity;
  private readonly waiting = new Set<ClientSubscription>();
  private roomTimer?: NodeJS.Timeout;

  constructor(
    private readonly ws: WebSocket,
    id: number,
    address: string,
    private readonly graph: RosGraph,
    private readonly limits: SessionLimits,
    private readonly log: LogFn,
    /** Every connected session by id, to forward a call to the client serving it (serviceCalls.ts). */
    readonly sessions: Map<number, ClientSession>,
  ) {
    this.info = { id, address };
    this.tokens = limits.maxIncomingPerSecond;
  }

  // ---- SubscriptionSink -------------------------------------------------

  send(frame: Frame): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(frame.data, { binary: frame.binary });
  }

  sendJson(msg: Msg): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(JSON.stringify(msg));
  }

  congested(): boolean {
    // A closed socket is not congested: sends become no-ops and queues empty.
    return this.ws.readyState === this.ws.OPEN && this.ws.bufferedAmount > this.limits.maxBufferedBytes;
  }

  dropped(topic: string, count: number): void {
    this.slowDropped += count;
    this.maybeLogDrops(`slow consumer: socket buffer over ${this.limits.maxBufferedBytes} bytes, dropping messages (last on ${topic})`, 'slow');
  }

  waitForRoom(sub: ClientSubscription): void {
    this.waiting.add(sub);
    // ws has no public 'drain' event; poll the buffer while someone waits.
    this.roomTimer ??= setInterval(() => {
      if (this.congested()) return;
      clearInterval(this.roomTimer);
      this.roomTimer = undefined;
      const subs = [...this.waiting];
      this.waiting.clear();
      for (const s of subs) s.drain();
    }, 10);
  }

  // ---- incoming ----------------------------------------------------------

  /** Log an error for this client (and tell it, if status frames are on). */
  error(text: string, id?: unknown): void {
    this.log('error', `[Client ${this.info.id}]${id !== undefined ? ` [id: ${String(id)}]` : ''} ${text}`);
    if (this.limits.statusFrames) {
      this.sendJson({ op: 'status', level: 'error', msg: text, ...(id !== undefined ? { id } : {}) });
    }
  }

  handleFrame(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    if (!this.takeToken()) return;
    const text = Buffer.isBuffer(data) ? data.toString('utf8')
      : Array.isArray(data) ? Buffer.concat(data).toString('utf8')
      : Buffer.from(data).toString('utf8');
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      const shown = text.length > 80 ? `${text.slice(0, 80)}...` : text;
      this.error(`Unable to deserialize ${isBinary ? 'binary' : 'text'} frame: expected a JSON object (rosbridge v2 protocol), found ${JSON.stringify(shown)}`);
      return;
    }
    if (!msg || typeof msg !== 'object' || Array.isArray(msg)) {
      this.error(`Received a ${Array.isArray(msg) ? 'array' : typeof msg}; expected a JSON object with an 'op' field, one of: ${OPS.join(', ')}`);
      return;
    }
    const m = msg as Msg;
    const op = m.op;
    if (typeof op !== 'string') {
      this.error(`Received a message without an op. All messages require 'op' field with value one of: ${OPS.join(', ')}`, m.id);
      return;
    }
    try {
      switch (op) {
        case 'subscribe': return this.subscribe(m);
        case 'unsubscribe': return this.unsubscribe(m);
        case 'advertise': return this.advertise(m);
        case 'unadvertise': return this.unadvertise(m);
        case 'publish': return this.publish(m);
        case 'call_service': return void runServiceCall(this, this.graph, m);
        case 'advertise_service': return this.advertiseService(m);
        case 'unadvertise_service': return this.unadvertiseService(m);
        case 'service_response': return this.serviceResponse(m);
        case 'set_level': return; // accepted; status frames are off unless configured
        default:
          this.error(`Unknown operation: ${op}.  Allowed operations: ${OPS.join(', ')}`, m.id);
      }
    } catch (err) {
      this.error(`${op}: ${err instanceof Error ? err.message : String(err)}`, m.id);
    }
  }

  /** Token bucket: a flooding client loses its excess frames; the server stays responsive. */
  private takeToken(): boolean {
    const now = performance.now();
    const rate = this.limits.maxIncomingPerSecond;
    this.tokens = Math.min(rate, this.tokens + ((now - this.lastRefill) / 1000) * rate);
    this.lastRefill = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    this.floodDropped += 1;
    this.maybeLogDrops(`flood: more than ${rate} frames/s received, dropping incoming frames; send at most ${rate}/s`, 'flood');
    return false;
  }

  private maybeLogDrops(text: string, kind: 'slow' | 'flood'): void {
    const now = performance.now();
    if (now - this.lastDropLog < 1000) return;
    this.lastDropLog = now;
    const n = kind === 'slow' ? this.slowDropped : this.floodDropped;
    if (kind === 'slow') this.slowDropped = 0;
    else this.floodDropped = 0;
    this.error(`${text} (${n} dropped since last report)`);
  }

  // ---- ops ----------------------------------------------------------------

  private subscribe(m: Msg): void {
    checkFields(m, [[true, 'topic', 'string'], [false, 'type', 'string'], [false, 'throttle_rate', 'number'],
      [false, 'queue_length', 'integer'], [false, 'fragment_size', 'integer'], [false, 'compression', 'string']]);
    const key = m.topic as string;
    const compression = (m.compression as string | undefined) ?? 'none';
    if (compression === 'cbor-raw') {
      throw new GraphError(`compression 'cbor-raw' needs serialized ROS (CDR) messages, which the simulated cell does not produce; use 'cbor'`);
    }
    if (compression !== 'none' && compression !== 'cbor') {
      // rosbridge treats an unknown compression as 'none'; 'png' (JSON inside
      // a PNG) is not implemented here and gets plain JSON, which roslib reads the same.
      this.log('warn', `[Client ${this.info.id}] compression '${compression}' is not supported by the sim; sending JSON ('none') on ${key}`);
    }
    const name = resolveName(key, 'topic');
    const entry = this.graph.topic(name, m.type as string | undefined);
    let sub = this.subs.get(key);
    const isNew = !sub;
    if (!sub) {
      sub = new ClientSubscription(key, name, this);
      this.subs.set(key, sub);
      entry.subscriptions.add(sub);
    }
    sub.add(m.id === undefined ? '' : String(m.id), {
      throttleMs: Math.max(0, (m.throttle_rate as number | undefined) ?? 0),
      queueLength: Math.max(0, (m.queue_length as number | undefined) ?? 0),
      compression: compression === 'cbor' ? 'cbor' : 'none',
    });
    if (isNew && entry.latched && entry.lastMessage) sub.offer(entry.lastMessage, true);
  }

  private unsubscribe(m: Msg): void {
    checkFields(m, [[true, 'topic', 'string']]);
    const key = m.topic as string;
    const sub = this.subs.get(key);
    if (!sub) return;
    sub.remove(m.id === undefined ? undefined : String(m.id));
    if (sub.isEmpty) this.dropSubscription(key, sub);
  }

  private dropSubscription(key: string, sub: ClientSubscription): void {
    sub.close();
    this.subs.delete(key);
    this.waiting.delete(sub);
    const entry = this.graph.topics.get(sub.topic);
    if (!entry) return;
    entry.subscriptions.delete(sub);
    this.graph.prune(entry);
  }

  private advertise(m: Msg): void {
    checkFields(m, [[true, 'topic', 'string'], [true, 'type', 'string'], [false, 'latch', 'boolean'],
      [false, 'queue_size', 'integer']]);
    this.register(resolveName(m.topic as string, 'topic'), m.type as string, m.id, m.latch === true);
  }

  private register(name: string, type: string | undefined, advId: unknown, latch: boolean): void {
    const entry = this.graph.topic(name, type);
    if (latch) entry.latched = true;
    let ids = entry.clientPublishers.get(this.info.id);
    if (!ids) entry.clientPublishers.set(this.info.id, (ids = new Set()));
    ids.add(advId === undefined ? 'dummy_adv_id' : String(advId));
    this.published.add(name);
  }

  private unadvertise(m: Msg): void {
    checkFields(m, [[true, 'topic', 'string']]);
    const name = resolveName(m.topic as string, 'topic');
    const entry = this.graph.topics.get(name);
    const ids = entry?.clientPublishers.get(this.info.id);
    if (!entry || !ids) return;
    if (m.id === undefined) ids.clear();
    else ids.delete(String(m.id));
    if (ids.size === 0) this.releaseTopic(entry.name);
  }

  private releaseTopic(name: string): void {
    const entry = this.graph.topics.get(name);
    this.published.delete(name);
    if (!entry) return;
    entry.clientPublishers.delete(this.info.id);
    this.graph.prune(entry);
  }

  private publish(m: Msg): void {
    checkFields(m, [[true, 'topic', 'string'], [false, 'type', 'string'], [false, 'latch', 'boolean'],
      [false, 'queue_size', 'integer'], [false, 'msg', 'object']]);
    const name = resolveName(m.topic as string, 'topic');
    if (!this.published.has(name)) {
      // rosbridge: "Trying to publish to unregistered topic ..., creating registration..."
      this.register(name, m.type as string | undefined, m.id, m.latch === true);
    }
    const entry = this.graph.topic(name, undefined);
    const msg = this.graph.codec.fromClient(m.msg ?? {}, entry.type);
    for (const err of this.graph.deliver(entry, msg, this.info)) {
      this.error(`publish: handler for ${name} (${entry.type}) threw: ${err.message}`, m.id);
    }
  }

  private advertiseService(m: Msg): void {
    checkFields(m, [[true, 'service', 'string'], [true, 'type', 'string']]);
    const name = resolveName(m.service as string, 'service');
    const existing = this.graph.services.get(name);
    if (existing?.cellHandler) {
      throw new GraphError(`Service ${name} is served by the cell; advertise another name`);
    }
    if (existing) this.log('warn', `[Client ${this.info.id}] Duplicate service advertised. Overwriting ${name}.`);
    this.graph.services.set(name, { name, type: m.type as string, clientId: this.info.id });
  }

  private unadvertiseService(m: Msg): void {
    checkFields(m, [[true, 'service', 'string']]);
    const name = resolveName(m.service as string, 'service');
    const existing = this.graph.services.get(name);
    if (existing?.clientId === this.info.id) this.graph.services.delete(name);
  }

  /** Pending calls this client serves, by the id forwarded to it; see serviceCalls.ts. */
  readonly pendingCalls = new Map<string, (values: unknown, result: boolean) => void>();

  private serviceResponse(m: Msg): void {
    checkFields(m, [[true, 'id', 'string'], [false, 'result', 'boolean']]);
    const done = this.pendingCalls.get(m.id as string);
    if (!done) throw new GraphError(`no pending call_service with id ${String(m.id)}; it may have timed out or been answered already`);
    this.pendingCalls.delete(m.id as string);
    done(m.values, m.result !== false);
  }

  /** Tear down everything this client owned. */
  close(): void {
    for (const [key, sub] of [...this.subs]) this.dropSubscription(key, sub);
    for (const name of [...this.published]) this.releaseTopic(name);
    for (const [name, s] of [...this.graph.services]) {
      if (s.clientId === this.info.id) this.graph.services.delete(name);
    }
    for (const done of this.pendingCalls.values()) done(`Service provider (client ${this.info.id}) disconnected`, false);
    this.pendingCalls.clear();
    if (this.roomTimer) clearInterval(this.roomTimer);
    this.roomTimer = undefined;
  }
}
