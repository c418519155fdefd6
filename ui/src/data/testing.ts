/**
 * In-memory fakes for the data layer's tests: a socket the test drives as
 * the bridge, manual timers and a manual frame scheduler.
 */
import { Packr } from 'msgpackr';
import { type ClientMessage, MSGPACK_OPTIONS, type ServerMessage, type WelcomeMessage } from '@cellkit/bridge/protocol';
import type { SocketLike, Timers } from './BridgeClient.ts';

const packr = new Packr({ ...MSGPACK_OPTIONS });

export class FakeSocket implements SocketLike {
  binaryType = 'blob';
  readyState = 0;
  readonly sent: ClientMessage[] = [];
  closedWith: { code?: number; reason?: string } | undefined;
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;

  constructor(readonly url: string) {}

  send(data: Uint8Array): void {
    this.sent.push(packr.unpack(data) as ClientMessage);
  }

  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
    this.readyState = 3;
  }

  /** The server accepted the connection. */
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  /** The server sends one message (encoded as the bridge does). */
  deliver(msg: ServerMessage): void {
    const bytes = packr.pack(msg);
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    this.onmessage?.({ data: ab });
  }

  /** The server (or the network) closed the connection. */
  drop(code = 1006, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }

  ops(): string[] {
    return this.sent.map((m) => m.op);
  }
}

/** Timers the test advances by hand. */
export class ManualTimers implements Timers {
  now = 0;
  private nextId = 1;
  private readonly tasks = new Map<number, { at: number; every?: number; cb: () => void }>();

  setTimeout(cb: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.tasks.set(id, { at: this.now + ms, cb });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.tasks.delete(handle as number);
  }
  setInterval(cb: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.tasks.set(id, { at: this.now + ms, every: ms, cb });
    return id;
  }
  clearInterval(handle: unknown): void {
    this.tasks.delete(handle as number);
  }

  /** Runs everything due up to now + ms, in time order. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let nextId = -1;
      let nextAt = Infinity;
      for (const [id, t] of this.tasks) if (t.at <= end && t.at < nextAt) [nextId, nextAt] = [id, t.at];
      if (nextId < 0) break;
      const t = this.tasks.get(nextId)!;
      this.now = t.at;
      if (t.every) t.at += t.every;
      else this.tasks.delete(nextId);
      t.cb();
    }
    this.now = end;
  }

  pending(): number {
    return this.tasks.size;
  }
}

export function manualFrames(): { schedule: (cb: () => void) => void; run: () => void } {
  const queue: (() => void)[] = [];
  return {
    schedule: (cb) => void queue.push(cb),
    run: () => {
      for (const cb of queue.splice(0)) cb();
    },
  };
}

export const UR5E_JOINTS = ['shoulder_pan_joint', 'shoulder_lift_joint', 'elbow_joint', 'wrist_1_joint', 'wrist_2_joint', 'wrist_3_joint'];

export function welcome(over: Partial<WelcomeMessage> = {}): WelcomeMessage {
  return {
    op: 'welcome',
    version: 1,
    clientId: 'c1',
    role: 'operator',
    cell: {
      profile: 'ur',
      arm: 'ur5e',
      jointNames: UR5E_JOINTS,
      jointLimits: UR5E_JOINTS.map(() => ({ lower: -2 * Math.PI, upper: 2 * Math.PI })),
      maxJointVelocity: UR5E_JOINTS.map(() => Math.PI),
      hasGripper: true,
      hasWrench: true,
      cameras: ['scene', 'wrist'],
      url: 'ws://sim:9090',
    },
    limits: {
      maxFrameBytes: 262144,
      maxMessagesPerSecond: 200,
      defaultRateHz: 30,
      maxRateHz: 120,
      teleop: {
        maxJointVelocity: UR5E_JOINTS.map(() => 1),
        maxTcpSpeed: 0.25,
        deadmanTimeout: 0.1,
        workspace: { min: [-0.85, -0.6, 0.01], max: [-0.15, 0.45, 0.7] },
        toolOffset: [0, 0, 0.1475],
      },
    },
    ...over,
  };
}
