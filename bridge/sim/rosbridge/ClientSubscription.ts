// One client's subscription to one topic (as the client spelled it), merging
// all its `subscribe` ids the way rosbridge's Subscription does: the smallest
// throttle_rate and queue_length win, and 'cbor' wins over 'none'.
//
// Delivery follows rosbridge's subscription_modifiers.py:
//   queue_length 0: a message inside the throttle window is dropped;
//   queue_length n: messages wait in a queue of n (oldest dropped) and leave
//                   one per throttle window.
// On top of that a slow consumer (socket buffer over the bound) loses
// messages instead of growing memory: queue_length 0 drops them outright,
// queue_length n keeps the newest n until the socket drains.
import type { Compression, Frame, OutgoingMessage } from './OutgoingMessage.ts';

export interface SubscriptionParams {
  throttleMs: number;
  queueLength: number;
  compression: Compression;
}

/** What a subscription needs from the client connection it belongs to. */
export interface SubscriptionSink {
  send(frame: Frame): void;
  /** True while the socket has more unsent bytes than the server allows. */
  congested(): boolean;
  /** Called when a message is dropped because the client is too slow. */
  dropped(topic: string, count: number): void;
  /** Ask to be called back (drain) once the socket may have room again. */
  waitForRoom(sub: ClientSubscription): void;
}

export class ClientSubscription {
  private readonly bySid = new Map<string, SubscriptionParams>();
  private params: SubscriptionParams = { throttleMs: 0, queueLength: 0, compression: 'none' };
  private lastSent = -Infinity;
  private queue: Frame[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    /** The topic name exactly as the client wrote it; echoed in every frame. */
    readonly topicKey: string,
    /** The resolved topic name (leading slash). */
    readonly topic: string,
    private readonly sink: SubscriptionSink,
  ) {}

  get compression(): Compression {
    return this.params.compression;
  }

  get isEmpty(): boolean {
    return this.bySid.size === 0;
  }

  add(sid: string, p: SubscriptionParams): void {
    this.bySid.set(sid, p);
    this.merge();
  }

  /** Without a sid, all of this client's subscriptions to the topic end (rosbridge semantics). */
  remove(sid: string | undefined): void {
    if (sid === undefined) this.bySid.clear();
    else this.bySid.delete(sid);
    if (this.bySid.size > 0) this.merge();
    else this.close();
  }

  close(): void {
    this.bySid.clear();
    this.queue = [];
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** A new message on the topic. `immediate` bypasses the throttle (latched replay). */
  offer(message: OutgoingMessage, immediate = false): void {
    if (this.bySid.size === 0) return;
    const { throttleMs, queueLength, compression } = this.params;
    if (queueLength === 0) {
      if (!immediate && throttleMs > 0 && performance.now() - this.lastSent < throttleMs) return;
      if (this.sink.congested()) {
        this.sink.dropped(this.topic, 1);
        return;
      }
      this.lastSent = performance.now();
      this.sink.send(message.frame(compression, this.topicKey));
      return;
    }
    this.queue.push(message.frame(compression, this.topicKey));
    if (this.queue.length > queueLength) {
      this.queue.splice(0, this.queue.length - queueLength);
      if (this.sink.congested()) this.sink.dropped(this.topic, 1);
    }
    if (immediate) this.lastSent = -Infinity;
    this.drain();
  }

  /** Send queued frames as the throttle and the socket allow. */
  drain(): void {
    while (this.queue.length > 0) {
      const wait = this.lastSent + this.params.throttleMs - performance.now();
      if (wait > 0) {
        this.timer ??= setTimeout(() => {
          this.timer = undefined;
          this.drain();
        }, wait);
        return;
      }
      if (this.sink.congested()) {
        this.sink.waitForRoom(this);
        return;
      }
      this.lastSent = performance.now();
      this.sink.send(this.queue.shift()!);
    }
  }

  private merge(): void {
    const all = [...this.bySid.values()];
    this.params = {
      throttleMs: Math.min(...all.map((p) => p.throttleMs)),
      queueLength: Math.min(...all.map((p) => p.queueLength)),
      compression: all.some((p) => p.compression === 'cbor') ? 'cbor' : 'none',
    };
    // Shrinking keeps the newest frames, as rosbridge's handler transition
    // does. Frames queued under another compression stay valid frames.
    this.queue = this.params.queueLength === 0 ? [] : this.queue.slice(-this.params.queueLength);
  }
}
