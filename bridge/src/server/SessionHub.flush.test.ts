// When telemetry leaves the bridge: at the top rate a sample goes out at the
// end of the I/O turn it arrived in, not on the client's flush timer. The
// timers are faked (they never fire unless advanced) and setImmediate is
// real, so "sent without the timer" is observable without timing anything.
import { EventEmitter } from 'node:events';
import { Packr } from 'msgpackr';
import type { WebSocket } from 'ws';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openAccess } from '../access/AccessPolicy.ts';
import { AuditLog } from '../access/AuditLog.ts';
import type { JointSample, WrenchSample } from '../cell/Cell.ts';
import { MAX_RATE_HZ, MSGPACK_OPTIONS, PROTOCOL_VERSION } from '../protocol/protocolConstants.ts';
import type { ClientMessage } from '../protocol/ClientMessage.ts';
import type { ServerMessage, TelemetryMessage } from '../protocol/ServerMessage.ts';
import { DEFAULT_SESSION_OPTIONS } from './SessionContext.ts';
import { SessionHub } from './SessionHub.ts';
import { FakeCell } from './testing/FakeCell.ts';
import { FakeControlPort } from './testing/FakeControlPort.ts';

const packr = new Packr({ ...MSGPACK_OPTIONS });

/** The part of a ws socket the session uses; keeps every frame sent. */
class FakeSocket extends EventEmitter {
  bufferedAmount = 0;
  readonly sent: ServerMessage[] = [];
  send(data: Uint8Array): void {
    this.sent.push(packr.unpack(data) as ServerMessage);
  }
  close(): void {
    this.emit('close', 1000);
  }
  receive(m: ClientMessage): void {
    this.emit('message', packr.pack(m), true);
  }
  telemetry(): TelemetryMessage[] {
    return this.sent.filter((m): m is TelemetryMessage => m.op === 'telemetry');
  }
}

const joint = (stamp: number): JointSample => ({ stamp, receivedAt: stamp, position: [0, 0, 0, 0, 0, 0], velocity: [0, 0, 0, 0, 0, stamp], effort: [0, 0, 0, 0, 0, 0] });
const wrench = (stamp: number): WrenchSample => ({ stamp, receivedAt: stamp, force: [0, 0, 1], torque: [0, 0, 0] });
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('telemetry flushing', () => {
  let cell: FakeCell;
  let hub: SessionHub;
  let ws: FakeSocket;

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval', 'clearTimeout', 'clearInterval'] });
    cell = new FakeCell();
    hub = new SessionHub({ cell, control: new FakeControlPort(cell), access: openAccess(), audit: AuditLog.inMemory().audit, options: { ...DEFAULT_SESSION_OPTIONS }, log: () => {} });
    ws = new FakeSocket();
    hub.attach(ws as unknown as WebSocket, '127.0.0.1');
    ws.receive({ op: 'hello', version: PROTOCOL_VERSION, clientName: 'flush-test' });
  });

  afterEach(() => {
    ws.close();
    hub.close();
    vi.useRealTimers();
  });

  it(`at ${MAX_RATE_HZ} Hz sends a sample at the end of its I/O turn, with the wrench read in the same turn in the same frame`, async () => {
    ws.receive({ op: 'subscribe', streams: ['joints', 'wrench'], maxRateHz: MAX_RATE_HZ });
    cell.emit('joints', joint(1));
    cell.emit('wrench', wrench(1));
    expect(ws.telemetry()).toHaveLength(0);
    await turn();
    const sent = ws.telemetry();
    expect(sent).toHaveLength(1);
    expect(sent[0].joints.map((s) => s.stamp)).toEqual([1]);
    expect(sent[0].wrench.map((s) => s.stamp)).toEqual([1]);
    // The next sample goes out on its own turn too, still without the timer.
    cell.emit('joints', joint(2));
    await turn();
    expect(ws.telemetry().map((m) => m.joints.map((s) => s.stamp))).toEqual([[1], [2]]);
  });

  it('below the top rate waits for the flush timer, batching every sample since the last one', async () => {
    ws.receive({ op: 'subscribe', streams: ['joints'], maxRateHz: 30 });
    cell.emit('joints', joint(1));
    await turn();
    cell.emit('joints', joint(2));
    await turn();
    expect(ws.telemetry()).toHaveLength(0);
    vi.advanceTimersByTime(1000 / 30 + 1);
    expect(ws.telemetry().map((m) => m.joints.map((s) => s.stamp))).toEqual([[1, 2]]);
  });

  it('sends nothing for streams the client did not subscribe to, and nothing after it closed', async () => {
    ws.receive({ op: 'subscribe', streams: ['wrench'], maxRateHz: MAX_RATE_HZ });
    cell.emit('joints', joint(1));
    await turn();
    expect(ws.telemetry()).toHaveLength(0);
    cell.emit('wrench', wrench(1));
    ws.close();
    await turn();
    expect(ws.telemetry()).toHaveLength(0);
  });
});
