/**
 * One client's outbound side, with bounded memory whatever the client's
 * speed. Three kinds of traffic, three policies:
 *
 * - discrete messages (welcome, error, pong, lease, safety): sent at once
 *   while the socket keeps up, else queued in order; a queue overflow means
 *   the client is gone in all but name, and `onOverflow` closes it;
 * - telemetry samples: batched, every sample kept until the next flush (the
 *   UI plots and records at native rate); a client that falls far behind
 *   loses its oldest samples beyond `maxBatchSamples`, counted in `dropped`;
 * - latest-only slots (camera frames, state, health): a newer value
 *   replaces an unsent one, so a slow client skips frames instead of
 *   lagging behind them.
 *
 * Telemetry and slots go out only while the socket's unsent bytes are under
 * `lowWaterBytes`: that is the backpressure, read from ws's `bufferedAmount`.
 */
import type { CellStatusSample, JointSample, WrenchSample } from '../cell/Cell.ts';
import type { ServerMessage, TelemetryMessage } from '../protocol/ServerMessage.ts';

/** The part of a ws WebSocket the outbox uses (a fake in unit tests). */
export interface OutboundSocket {
  readonly bufferedAmount: number;
  send(data: Uint8Array): void;
}

export interface OutboxOptions {
  encode: (msg: ServerMessage) => Uint8Array;
  /** Unsent bytes above which telemetry, frames and state wait (and coalesce). Default 1 MiB. */
  lowWaterBytes?: number;
  /** Unsent bytes above which discrete messages queue instead of going out. Default 8 MiB. */
  highWaterBytes?: number;
  /** Discrete messages queued before the client counts as too slow. Default 512. */
  maxQueuedMessages?: number;
  /** Joint (and, separately, wrench) samples held for one client. Default 5000 (10 s at 500 Hz). */
  maxBatchSamples?: number;
  /** Called once when the discrete queue overflows; the owner closes the connection. */
  onOverflow?: () => void;
}

export class Outbox {
  private readonly encode: (msg: ServerMessage) => Uint8Array;
  private readonly lowWater: number;
  private readonly highWater: number;
  private readonly maxQueued: number;
  private readonly maxSamples: number;
  private readonly onOverflow: () => void;
  private queue: Uint8Array[] = [];
  private joints: JointSample[] = [];
  private wrench: WrenchSample[] = [];
  private status: CellStatusSample | undefined;
  private droppedJoints = 0;
  private droppedWrench = 0;
  private readonly latest = new Map<string, Uint8Array | ServerMessage>();
  private overflowed = false;

  constructor(
    private readonly socket: OutboundSocket,
    opts: OutboxOptions,
  ) {
    this.encode = opts.encode;
    this.lowWater = opts.lowWaterBytes ?? 1 << 20;
    this.highWater = opts.highWaterBytes ?? 8 << 20;
    this.maxQueued = opts.maxQueuedMessages ?? 512;
    this.maxSamples = opts.maxBatchSamples ?? 5000;
    this.onOverflow = opts.onOverflow ?? (() => {});
  }

  /** A discrete message: in order, never dropped (short of closing the client). */
  send(msg: ServerMessage): void {
    if (this.overflowed) return;
    const bytes = this.encode(msg);
    if (this.queue.length === 0 && this.socket.bufferedAmount < this.highWater) {
      this.socket.send(bytes);
      return;
    }
    this.queue.push(bytes);
    if (this.queue.length > this.maxQueued) {
      this.overflowed = true;
      this.queue = [];
      this.onOverflow();
    }
  }

  /** A latest-only value under `key` (e.g. `camera:wrist`, `state`); pre-encoded bytes let one frame be shared by all clients. */
  setLatest(key: string, value: Uint8Array | ServerMessage): void {
    this.latest.set(key, value);
  }

  addJoint(s: JointSample): void {
    this.joints.push(s);
    if (this.joints.length > this.maxSamples) this.droppedJoints += this.trim(this.joints);
  }

  addWrench(s: WrenchSample): void {
    this.wrench.push(s);
    if (this.wrench.length > this.maxSamples) this.droppedWrench += this.trim(this.wrench);
  }

  setStatus(s: CellStatusSample): void {
    this.status = s;
  }

  /** Samples waiting for the next batch (joints + wrench). */
  get pendingSamples(): number {
    return this.joints.length + this.wrench.length;
  }

  /** Discrete messages waiting for the socket to drain. */
  get queuedMessages(): number {
    return this.queue.length;
  }

  /** Sends what the socket can take now; called at the client's rate. */
  flush(): void {
    if (this.overflowed) return;
    while (this.queue.length > 0 && this.socket.bufferedAmount < this.highWater) {
      this.socket.send(this.queue.shift()!);
    }
    if (this.queue.length > 0 || this.socket.bufferedAmount >= this.lowWater) return;
    if (this.joints.length > 0 || this.wrench.length > 0 || this.status) {
      const msg: TelemetryMessage = { op: 'telemetry', joints: this.joints, wrench: this.wrench };
      if (this.status) msg.status = this.status;
      if (this.droppedJoints > 0 || this.droppedWrench > 0) msg.dropped = { joints: this.droppedJoints, wrench: this.droppedWrench };
      this.joints = [];
      this.wrench = [];
      this.status = undefined;
      this.droppedJoints = 0;
      this.droppedWrench = 0;
      this.socket.send(this.encode(msg));
    }
    for (const [key, value] of this.latest) {
      if (this.socket.bufferedAmount >= this.lowWater) break;
      this.latest.delete(key);
      this.socket.send(value instanceof Uint8Array ? value : this.encode(value));
    }
  }

  /** Forget everything pending (the connection is closing). */
  clear(): void {
    this.queue = [];
    this.joints = [];
    this.wrench = [];
    this.status = undefined;
    this.latest.clear();
  }

  /** Drops the oldest tenth (at least one) in one splice, so a stalled client costs O(1) amortized per sample. */
  private trim(samples: unknown[]): number {
    const n = Math.max(1, Math.floor(this.maxSamples / 10));
    samples.splice(0, n);
    return n;
  }
}
