// A rosbridge v2 server with no ROS behind it: the server itself is the ROS
// graph of the simulated cell. To a roslib client it looks like
// `rosbridge_server` (rosbridge_suite, ROS 2) in front of a real cell: same
// ops, same frames (JSON, or CBOR with RFC 8746 typed arrays), same rosapi
// services, same silence on success. See README.md for the deviations.
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { ClientSession, type LogFn } from './ClientSession.ts';
import { MessageCodec } from './MessageCodec.ts';
import { MessageSchemas, normalizeTypeName } from './MessageSchemas.ts';
import { registerRosapi } from './registerRosapi.ts';
import { type ClientInfo, RosGraph, resolveName } from './RosGraph.ts';

export type { ClientInfo } from './RosGraph.ts';

export interface RosbridgeServerOptions {
  /** Interface to bind. Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Default 9090 (rosbridge's); 0 picks a free port. */
  port?: number;
  /** Largest frame a client may send; bigger ones close that client with 1009, as tornado does. Default 10 MB. */
  maxMessageBytes?: number;
  /** Unsent bytes on one client's socket above which topic messages to it are dropped. Default 8 MB. */
  maxBufferedBytes?: number;
  /** Frames per second one client may send before its excess is dropped. Default 5000. */
  maxIncomingPerSecond?: number;
  /** Also report client errors as `status` frames. Default false: rosbridge for ROS 2 only logs them. */
  statusFrames?: boolean;
  /** Extra message definitions (`.msg` text) by type, for topics beyond the builtin cell set. */
  messageDefinitions?: Record<string, string>;
  /** Extra service definitions (`.srv` text) by type. */
  serviceDefinitions?: Record<string, string>;
  /** Where protocol errors, client connects and drops are reported. Default: warn/error to stderr. */
  log?: LogFn;
}

/** A topic the cell publishes. */
export interface PublishedTopic<T> {
  /** Fan the message out; encodes only for the compressions subscribers use. */
  publish(msg: T): void;
  /** Client subscriptions plus cell handlers; 0 means publishing is (nearly) free. */
  readonly subscriberCount: number;
}

/** The sender recorded for messages the cell publishes itself. */
export const CELL_CLIENT: ClientInfo = { id: 0, address: 'cell' };

const defaultLog: LogFn = (level, msg) => {
  if (level !== 'info') console.error(`[rosbridge-sim] ${level}: ${msg}`);
};

export class RosbridgeServer {
  readonly url: string;
  readonly port: number;
  private readonly sessions = new Map<number, ClientSession>();
  private readonly graph: RosGraph;
  private nextClientId = 1;
  private readonly clientCountTopic: PublishedTopic<{ data: number }>;

  private constructor(
    private readonly wss: WebSocketServer,
    host: string,
    private readonly opts: Required<Omit<RosbridgeServerOptions, 'messageDefinitions' | 'serviceDefinitions' | 'host' | 'port'>>,
    schemas: MessageSchemas,
  ) {
    this.port = (wss.address() as AddressInfo).port;
    this.url = `ws://${host.includes(':') ? `[${host}]` : host}:${this.port}`;
    this.graph = new RosGraph(new MessageCodec(schemas));
    wss.on('connection', (ws, req) => {
      const id = this.nextClientId++;
      const address = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
      const session = new ClientSession(ws, id, address, this.graph, opts, opts.log, this.sessions);
      this.sessions.set(id, session);
      opts.log('info', `Client connected. ${this.sessions.size} clients total. [Client ${id}] ${address}`);
      ws.on('message', (data, isBinary) => session.handleFrame(data, isBinary));
      ws.on('error', (err) => session.error(`websocket error: ${err.message}`));
      ws.on('close', (code) => {
        session.close();
        this.sessions.delete(id);
        opts.log('info', `Client disconnected (code ${code}). ${this.sessions.size} clients total. [Client ${id}]`);
        this.clientCountTopic.publish({ data: this.sessions.size });
      });
      this.clientCountTopic.publish({ data: this.sessions.size });
    });
    // rosbridge_websocket publishes its client count, latched.
    this.clientCountTopic = this.advertise('/client_count', 'std_msgs/msg/Int32', { latched: true });
    this.clientCountTopic.publish({ data: 0 });
    registerRosapi(this, this.graph);
  }

  static async start(opts: RosbridgeServerOptions = {}): Promise<RosbridgeServer> {
    const host = opts.host ?? '127.0.0.1';
    const port = opts.port ?? 9090;
    const maxMessageBytes = opts.maxMessageBytes ?? 10_000_000;
    const wss = new WebSocketServer({ host, port, maxPayload: maxMessageBytes });
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', resolve);
      wss.once('error', (err) =>
        reject(new Error(`rosbridge sim: could not listen on ${host}:${port}: ${err.message}; pick another port (0 = any free one)`)),
      );
    });
    const schemas = new MessageSchemas({ messages: opts.messageDefinitions, services: opts.serviceDefinitions });
    return new RosbridgeServer(wss, host, {
      maxMessageBytes,
      maxBufferedBytes: opts.maxBufferedBytes ?? 8 * 1024 * 1024,
      maxIncomingPerSecond: opts.maxIncomingPerSecond ?? 5000,
      statusFrames: opts.statusFrames ?? false,
      log: opts.log ?? defaultLog,
    }, schemas);
  }

  /** A topic the cell publishes (joint states, wrench, cameras...). Latched topics replay their last message to new subscribers. */
  advertise<T>(topic: string, type: string, opts: { latched?: boolean } = {}): PublishedTopic<T> {
    const entry = this.graph.topic(resolveName(topic, 'topic'), type);
    entry.cellPublishers += 1;
    if (opts.latched) entry.latched = true;
    const graph = this.graph;
    const log = this.opts.log;
    return {
      publish(msg: T): void {
        if (entry.subscriptions.size === 0 && entry.cellHandlers.size === 0 && !entry.latched) return;
        for (const err of graph.deliver(entry, msg, CELL_CLIENT)) {
          log('error', `publish on ${entry.name} (${entry.type}) failed: ${err.message}`);
        }
      },
      get subscriberCount(): number {
        return entry.subscriptions.size + entry.cellHandlers.size;
      },
    };
  }

  /**
   * A topic the cell listens to (velocity command, gripper). The handler gets
   * every message any client publishes there, after the type check and with
   * defaults filled (numeric arrays as number[], uint8[] as Uint8Array).
   * A handler that throws is logged for the publishing client. Returns an unsubscribe.
   */
  subscribe<T>(topic: string, type: string, handler: (msg: T, client: ClientInfo) => void): () => void {
    const entry = this.graph.topic(resolveName(topic, 'topic'), type);
    const h = (msg: unknown, client: ClientInfo | undefined) => handler(msg as T, client ?? CELL_CLIENT);
    entry.cellHandlers.add(h);
    return () => {
      entry.cellHandlers.delete(h);
      this.graph.prune(entry);
    };
  }

  /** A service the cell serves. A throw (or rejection) answers `result: false` with the error text. */
  advertiseService<Req, Res>(name: string, type: string, handler: (req: Req) => Res | Promise<Res>): void {
    const full = resolveName(name, 'service');
    const existing = this.graph.services.get(full);
    if (existing) {
      throw new Error(`service ${full}: already advertised with type ${existing.type}; advertise each service once`);
    }
    this.graph.services.set(full, {
      name: full,
      type: normalizeTypeName(type, 'srv'),
      cellHandler: (req) => handler(req as Req),
    });
  }

  clientCount(): number {
    return this.sessions.size;
  }

  /** Close every client (1001 going away) and the port. */
  async close(): Promise<void> {
    for (const client of this.wss.clients) client.close(1001, 'server shutting down');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        for (const client of this.wss.clients) client.terminate();
      }, 1000);
      this.wss.close(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
  }
}
