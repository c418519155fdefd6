import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import type { JointSample } from '../cell/Cell.ts';
import { MSGPACK_OPTIONS } from '../protocol/protocolConstants.ts';
import type { ServerMessage, TelemetryMessage } from '../protocol/ServerMessage.ts';
import { Outbox } from './Outbox.ts';

const packr = new Packr({ ...MSGPACK_OPTIONS });

/** A socket whose backlog the test sets. */
class FakeSocket {
  bufferedAmount = 0;
  readonly sent: ServerMessage[] = [];
  send(data: Uint8Array): void {
    this.sent.push(packr.unpack(data) as ServerMessage);
  }
}

const sample = (i: number): JointSample => ({ stamp: i, receivedAt: i, position: [i], velocity: [0], effort: [0] });

function make(opts: Partial<ConstructorParameters<typeof Outbox>[1]> = {}) {
  const socket = new FakeSocket();
  let overflows = 0;
  const outbox = new Outbox(socket, {
    encode: (m) => packr.pack(m),
    lowWaterBytes: 1000,
    highWaterBytes: 5000,
    maxQueuedMessages: 4,
    maxBatchSamples: 50,
    onOverflow: () => overflows++,
    ...opts,
  });
  return { socket, outbox, overflows: () => overflows };
}

describe('Outbox', () => {
  it('sends discrete messages at once while the socket keeps up', () => {
    const { socket, outbox } = make();
    outbox.send({ op: 'pong', t: 1, serverTime: 2 });
    expect(socket.sent).toEqual([{ op: 'pong', t: 1, serverTime: 2 }]);
  });

  it('queues discrete messages past the high-water mark, keeps their order, and sends them when it drains', () => {
    const { socket, outbox } = make();
    socket.bufferedAmount = 6000;
    for (let t = 1; t <= 3; t++) outbox.send({ op: 'pong', t, serverTime: 0 });
    outbox.flush();
    expect(socket.sent).toEqual([]);
    expect(outbox.queuedMessages).toBe(3);
    socket.bufferedAmount = 0;
    outbox.send({ op: 'pong', t: 4, serverTime: 0 }); // behind the queue, not ahead of it
    outbox.flush();
    expect(socket.sent.map((m) => (m as { t: number }).t)).toEqual([1, 2, 3, 4]);
  });

  it('reports overflow once when a stalled client lets the queue grow past its bound, and then holds nothing', () => {
    const { socket, outbox, overflows } = make();
    socket.bufferedAmount = 6000;
    for (let t = 0; t < 20; t++) outbox.send({ op: 'pong', t, serverTime: 0 });
    expect(overflows()).toBe(1);
    expect(outbox.queuedMessages).toBe(0);
  });

  it('batches every sample since the last flush into one telemetry message', () => {
    const { socket, outbox } = make();
    for (let i = 0; i < 30; i++) outbox.addJoint(sample(i));
    outbox.addWrench({ stamp: 1, receivedAt: 1, force: [0, 0, 1], torque: [0, 0, 0] });
    outbox.flush();
    outbox.flush(); // nothing new: nothing sent
    expect(socket.sent).toHaveLength(1);
    const t = socket.sent[0] as TelemetryMessage;
    expect(t.joints.map((s) => s.stamp)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(t.wrench).toHaveLength(1);
    expect(t.dropped).toBeUndefined();
  });

  it('holds telemetry while the socket is backed up, bounded, counting the oldest samples dropped', () => {
    const { socket, outbox } = make();
    socket.bufferedAmount = 2000;
    for (let i = 0; i < 1000; i++) {
      outbox.addJoint(sample(i));
      if (i % 10 === 0) outbox.flush();
    }
    expect(socket.sent).toEqual([]);
    expect(outbox.pendingSamples).toBeLessThanOrEqual(50);
    socket.bufferedAmount = 0;
    outbox.flush();
    const t = socket.sent[0] as TelemetryMessage;
    // Nothing lost silently: what arrives plus what is reported dropped is everything, and the newest survive.
    expect(t.joints.length + t.dropped!.joints).toBe(1000);
    expect(t.joints.at(-1)!.stamp).toBe(999);
    const stamps = t.joints.map((s) => s.stamp);
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
  });

  it('keeps only the latest value per slot while backed up', () => {
    const { socket, outbox } = make();
    socket.bufferedAmount = 2000;
    for (let n = 0; n < 100; n++) {
      outbox.setLatest('camera:wrist', packr.pack({ op: 'camera', camera: 'wrist', stamp: n, data: new Uint8Array([n]) }));
      outbox.flush();
    }
    outbox.setLatest('state', { op: 'state', estopped: true, gates: {}, leaseHolder: null, lastOutput: null, safetyMode: 1 });
    outbox.flush();
    expect(socket.sent).toEqual([]);
    socket.bufferedAmount = 0;
    outbox.flush();
    expect(socket.sent.map((m) => m.op)).toEqual(['camera', 'state']);
    expect((socket.sent[0] as { stamp: number }).stamp).toBe(99);
    outbox.flush();
    expect(socket.sent).toHaveLength(2);
  });
});
