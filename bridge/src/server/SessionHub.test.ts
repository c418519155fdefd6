// Flow control with a real server and real sockets: an inbound flood, and a
// client that stops reading (its TCP socket paused) while the cell streams.
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAccess } from '../access/AccessPolicy.ts';
import { AuditLog } from '../access/AuditLog.ts';
import type { CameraMessage, ErrorMessage, TelemetryMessage } from '../protocol/ServerMessage.ts';
import { buildApp } from './buildApp.ts';
import { FakeCell } from './testing/FakeCell.ts';
import { FakeControlPort } from './testing/FakeControlPort.ts';
import { TestClient } from './testing/TestClient.ts';

const LOW_WATER = 64 * 1024;
const MAX_BATCH = 200;
let app: FastifyInstance;
let url: string;
let cell: FakeCell;
let control: FakeControlPort;
const clients: TestClient[] = [];

beforeAll(async () => {
  cell = new FakeCell();
  app = buildApp({
    cell,
    control: (control = new FakeControlPort(cell)),
    access: openAccess(),
    auditLog: AuditLog.inMemory().audit,
    log: () => {},
    session: { maxMessagesPerSecond: 20, lowWaterBytes: LOW_WATER, maxBatchSamples: MAX_BATCH, helloTimeoutMs: 300 },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/ws`;
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await app.close();
});

async function connect(name: string): Promise<{ client: TestClient; id: string }> {
  const { client, welcome } = await TestClient.welcomed(url, name);
  clients.push(client);
  return { client, id: welcome.clientId };
}

describe('connections', () => {
  it('closes a connection that never says hello, with hello_required and 4003', async () => {
    const client = await TestClient.connect(url);
    const err = await client.next<ErrorMessage>((m) => m.op === 'error');
    expect(err.code).toBe('hello_required');
    expect((await client.closed).code).toBe(4003);
  });

  it('refuses upgrades on other paths', async () => {
    await expect(TestClient.connect(url.replace('/ws', '/socket'))).rejects.toThrow(/404/);
  });
});

describe('inbound flood', () => {
  it('drops messages over the rate with one rate_limited error, and the connection lives on', async () => {
    const { client } = await connect('flooder');
    const mark = client.mark();
    for (let t = 0; t < 200; t++) client.send({ op: 'ping', t });
    const err = await client.next<ErrorMessage>((m) => m.op === 'error', mark);
    expect(err.code).toBe('rate_limited');
    expect(err.message).toContain('20 messages per second');
    // The bucket refills with time: a ping is answered again once it has (poll, no timing assumption).
    let answered = false;
    for (let i = 0; i < 100 && !answered; i++) {
      const m = client.mark();
      client.send({ op: 'ping', t: 1000 + i });
      answered = await client.next((x) => x.op === 'pong' && x.t === 1000 + i, m, 250).then(() => true, () => false);
    }
    expect(answered).toBe(true);
    const pongs = client.messages.filter((m) => m.op === 'pong' && m.t < 200).length;
    expect(pongs).toBeLessThan(200);
    expect(client.messages.filter((m) => m.op === 'error').length).toBeLessThan(200 - pongs);
  });

  it('never rate-limits an e-stop', async () => {
    const { client } = await connect('panicking');
    for (let t = 0; t < 100; t++) client.send({ op: 'ping', t });
    client.send({ op: 'estop', reason: 'in the middle of a flood' });
    await client.next((m) => m.op === 'state' && m.estopped);
    expect(control.callsOf('estop').at(-1)?.reason).toBe('in the middle of a flood');
    expect(client.messages.filter((m) => m.op === 'pong').length).toBeLessThan(100);
  });
});

describe('a client that stops reading', () => {
  it('skips camera frames and bounds telemetry instead of buffering without limit; nothing is lost silently', async () => {
    const { client, id } = await connect('slow');
    client.send({ op: 'subscribe', streams: ['joints', 'camera:wrist'], maxRateHz: 60 });
    await client.ping();
    const tcp = (client.ws as unknown as { _socket: Socket })._socket;
    tcp.pause();

    const info = () => app.bridgeHub.clientInfo().find((c) => c.clientId === id)!;
    const frameBytes = 256 * 1024;
    let frames = 0;
    let joints = 0;
    let backedUpFor = 0;
    let maxPending = 0;
    // Stream until the server has seen this client's socket backed up for a while (kernel buffers full).
    for (let i = 0; i < 20_000 && backedUpFor < 50; i++) {
      frames++;
      cell.emit('camera', { camera: 'wrist', stamp: frames, receivedAt: frames, format: 'jpeg', data: new Uint8Array(frameBytes).fill(frames % 256) });
      for (let k = 0; k < 10; k++) {
        joints++;
        cell.emit('joints', { stamp: joints, receivedAt: joints, position: [0, 0, 0, 0, 0, 0], velocity: [0, 0, 0, 0, 0, 0], effort: [0, 0, 0, 0, 0, 0] });
      }
      await sleep(2);
      const now = info();
      maxPending = Math.max(maxPending, now.pendingSamples);
      if (now.bufferedBytes >= LOW_WATER) backedUpFor++;
    }
    expect(backedUpFor).toBe(50);
    // Memory stays bounded while the client is stalled.
    expect(maxPending).toBeLessThanOrEqual(2 * MAX_BATCH);
    expect(info().bufferedBytes).toBeLessThan(LOW_WATER + 2 * frameBytes + 64 * 1024);

    tcp.resume();
    await client.next<CameraMessage>((m) => m.op === 'camera' && m.stamp === frames);
    await client.next<TelemetryMessage>((m) => m.op === 'telemetry' && m.joints.at(-1)?.stamp === joints);
    const batches = client.messages.filter((m): m is TelemetryMessage => m.op === 'telemetry');
    const received = batches.reduce((n, t) => n + t.joints.length, 0);
    const dropped = batches.reduce((n, t) => n + (t.dropped?.joints ?? 0), 0);
    const cameraMessages = client.messages.filter((m): m is CameraMessage => m.op === 'camera');
    expect(cameraMessages.length).toBeLessThan(frames);
    expect(cameraMessages.at(-1)!.data[0]).toBe(frames % 256);
    expect(dropped).toBeGreaterThan(0);
    expect(received + dropped).toBe(joints);
    await client.ping();
  });
});
