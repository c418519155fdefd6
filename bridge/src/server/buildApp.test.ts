import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Packr } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenAccess, type Principal } from '../access/AccessPolicy.ts';
import { AuditLog } from '../access/AuditLog.ts';
import type { JointSample, WrenchSample } from '../cell/Cell.ts';
import type { CameraMessage, ErrorMessage, LeaseMessage, StateMessage, TelemetryMessage } from '../protocol/ServerMessage.ts';
import { MSGPACK_OPTIONS, PROTOCOL_VERSION } from '../protocol/protocolConstants.ts';
import { buildApp } from './buildApp.ts';
import { FakeCell } from './testing/FakeCell.ts';
import { FakeControlPort } from './testing/FakeControlPort.ts';
import { TestClient } from './testing/TestClient.ts';

const packr = new Packr({ ...MSGPACK_OPTIONS });
// Tokens the fake verifier knows: the server asks a token of everyone here, so roles can be tested.
const TOKENS: Record<string, Principal> = {
  'admin-token': { role: 'admin', name: 'admin laptop' },
  'operator-token': { role: 'operator', name: 'operator tablet' },
  'viewer-token': { role: 'viewer', name: 'wall screen' },
};

let app: FastifyInstance;
let url: string;
let cell: FakeCell;
let control: FakeControlPort;
let audit: { audit: AuditLog; lines: string[] };
const clients: TestClient[] = [];

async function connect(name: string, token = 'operator-token'): Promise<TestClient> {
  const { client } = await TestClient.welcomed(url, name, token);
  clients.push(client);
  return client;
}

const isError = (code: string) => (m: { op: string }) => m.op === 'error' && (m as ErrorMessage).code === code;
const auditEntries = () => audit.lines.map((l) => JSON.parse(l));

function jointSample(i: number): JointSample {
  return { stamp: 1000 + i, receivedAt: 1000 + i, position: [i, 0, 0, 0, 0, 0], velocity: [0, 0, 0, 0, 0, 0], effort: [0, 0, 0, 0, 0, 0] };
}

beforeAll(async () => {
  cell = new FakeCell();
  control = new FakeControlPort(cell);
  audit = AuditLog.inMemory();
  app = buildApp({
    cell,
    control,
    access: tokenAccess({ verify: (t) => TOKENS[t] }),
    auditLog: audit.audit,
    log: () => {},
    // An hour's pause: every jog in a test belongs to one teleop burst, whatever the machine's speed.
    session: { teleopPauseSeconds: 3600, maxFrameBytes: 256 * 1024 },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/ws`;
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await app.close();
});

describe('hello', () => {
  it('answers welcome with the cell, role and limits, then lease and state', async () => {
    const client = await TestClient.connect(url);
    clients.push(client);
    const welcome = await client.hello('ui', 'viewer-token');
    expect(welcome).toMatchObject({ op: 'welcome', version: PROTOCOL_VERSION, role: 'viewer', cell: cell.description });
    expect(welcome.clientId).toMatch(/^client-\d+$/);
    // Without a tool offset the tool point is the flange.
    expect(welcome.limits.teleop).toEqual({ ...control.limits, toolOffset: [0, 0, 0] });
    expect(welcome.limits.maxFrameBytes).toBe(256 * 1024);
    await client.next((m) => m.op === 'lease');
    await client.next((m) => m.op === 'state');
  });

  it('refuses other ops before hello but keeps the connection', async () => {
    const client = await TestClient.connect(url);
    clients.push(client);
    client.send({ op: 'ping', t: 1 });
    await client.next(isError('hello_required'));
    await client.hello('late', 'viewer-token');
    await client.ping();
  });

  it('refuses a hello without a valid token with unauthorized, then closes', async () => {
    for (const token of [undefined, 'wrong-token']) {
      const client = await TestClient.connect(url);
      client.send({ op: 'hello', version: PROTOCOL_VERSION, clientName: 'intruder', ...(token ? { token } : {}) });
      const err = await client.next<ErrorMessage>(isError('unauthorized'));
      expect(err.requestOp).toBe('hello');
      expect((await client.closed).code).toBe(4001);
    }
    expect(auditEntries().filter((e) => e.action === 'hello' && e.result === 'refused').length).toBeGreaterThanOrEqual(2);
  });

  it('refuses another protocol version with version_mismatch, then closes', async () => {
    const client = await TestClient.connect(url);
    client.send({ op: 'hello', version: PROTOCOL_VERSION + 1, clientName: 'future', token: 'admin-token' });
    await client.next(isError('version_mismatch'));
    expect((await client.closed).code).toBe(4002);
  });

  it('refuses a browser page from another origin at the upgrade', async () => {
    await expect(TestClient.connect(url, { origin: 'http://evil.example' })).rejects.toThrow(/403/);
    const local = await TestClient.connect(url, { origin: 'http://localhost:5173' });
    await local.close();
  });
});

describe('telemetry', () => {
  it('delivers every joint and wrench sample pushed between flushes, in order', async () => {
    const client = await connect('plotter', 'viewer-token');
    const mark = client.mark();
    client.send({ op: 'subscribe', streams: ['joints', 'wrench', 'status'], maxRateHz: 20 });
    await client.ping(); // the subscription is in place once the pong is back
    for (let i = 0; i < 100; i++) {
      cell.emit('joints', jointSample(i));
      const w: WrenchSample = { stamp: 2000 + i, receivedAt: 2000 + i, force: [i, 0, 0], torque: [0, 0, i] };
      cell.emit('wrench', w);
    }
    cell.emit('status', { receivedAt: 3000, safetyMode: 1, speedScaling: 0.5 });
    const joints: JointSample[] = [];
    const wrench: WrenchSample[] = [];
    let status: TelemetryMessage['status'];
    let from = mark;
    while (joints.length < 100 || wrench.length < 100) {
      const t = await client.next<TelemetryMessage>((m) => m.op === 'telemetry', from);
      from = client.messages.indexOf(t) + 1;
      joints.push(...t.joints);
      wrench.push(...t.wrench);
      status ??= t.status;
      expect(t.dropped).toBeUndefined();
    }
    expect(joints.map((s) => s.stamp)).toEqual(Array.from({ length: 100 }, (_, i) => 1000 + i));
    expect(wrench.map((s) => s.force[0])).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(joints[42]).toEqual(jointSample(42));
    expect(status).toEqual({ receivedAt: 3000, safetyMode: 1, speedScaling: 0.5 });
  });

  it('sends only the streams subscribed to', async () => {
    const client = await connect('wrench-only', 'viewer-token');
    client.send({ op: 'subscribe', streams: ['wrench'] });
    await client.ping();
    const mark = client.mark();
    cell.emit('joints', jointSample(7));
    cell.emit('wrench', { stamp: 1, receivedAt: 1, force: [1, 2, 3], torque: [4, 5, 6] });
    const t = await client.next<TelemetryMessage>((m) => m.op === 'telemetry', mark);
    expect(t.joints).toEqual([]);
    expect(t.wrench).toHaveLength(1);
  });

  it('delivers camera frames as bytes, the latest one when several arrive between flushes', async () => {
    const client = await connect('video', 'viewer-token');
    client.send({ op: 'subscribe', streams: ['camera:wrist'] });
    await client.ping();
    const mark = client.mark();
    const frame = (n: number) => new Uint8Array([0xff, 0xd8, n, n + 1, 0xff, 0xd9]);
    for (let n = 1; n <= 3; n++) cell.emit('camera', { camera: 'wrist', stamp: 10 + n, receivedAt: 10 + n, format: 'jpeg', data: frame(n) });
    cell.emit('camera', { camera: 'scene', stamp: 99, receivedAt: 99, format: 'jpeg', data: frame(9) });
    const cam = await client.next<CameraMessage>((m) => m.op === 'camera', mark);
    expect(cam.camera).toBe('wrist');
    expect(cam.stamp).toBe(13);
    expect(cam.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(cam.data)).toEqual(Array.from(frame(3)));
    await client.ping();
    expect(client.messages.slice(mark).filter((m) => m.op === 'camera')).toHaveLength(1);
  });

  it('refuses a subscription to a camera the cell does not have', async () => {
    const client = await connect('typo', 'viewer-token');
    client.send({ op: 'subscribe', streams: ['joints', 'camera:nope'] });
    const err = await client.next<ErrorMessage>(isError('unknown_stream'));
    expect(err.message).toContain('wrist, scene');
  });

  it('sends health to health subscribers', async () => {
    const client = await connect('dash', 'viewer-token');
    const mark = client.mark();
    client.send({ op: 'subscribe', streams: ['health'] });
    const h = await client.next((m) => m.op === 'health', mark);
    expect(h).toMatchObject({ connection: { state: 'connected' } });
  });
});

describe('lease, teleop and e-stop', () => {
  it('gives the lease to one client; another client is refused and its jogs never reach the controller', async () => {
    const a = await connect('alice');
    const b = await connect('bob');
    const aId = (a.messages.find((m) => m.op === 'welcome') as { clientId: string }).clientId;
    const bId = (b.messages.find((m) => m.op === 'welcome') as { clientId: string }).clientId;
    let mark = b.mark();
    a.send({ op: 'lease.acquire' });
    const lease = await b.next<LeaseMessage>((m) => m.op === 'lease' && (m as LeaseMessage).holder === aId, mark);
    expect(lease.holderName).toBe('alice');

    b.send({ op: 'lease.acquire' });
    const held = await b.next<ErrorMessage>(isError('lease_held'));
    expect(held.message).toContain('alice');
    b.send({ op: 'teleop.joints', velocities: [0.1, 0, 0, 0, 0, 0] });
    const refused = await b.next<ErrorMessage>(isError('not_lease_holder'));
    expect(refused.requestOp).toBe('teleop.joints');

    mark = a.mark();
    for (let i = 0; i < 5; i++) a.send({ op: 'teleop.joints', velocities: [0.1 * i, 0, 0, 0, 0, 0] });
    a.send({ op: 'teleop.twist', linear: [0.01, 0, 0], angular: [0, 0, 0], frame: 'tool' });
    a.send({ op: 'teleop.gripper', position: 0.5 });
    await a.ping();
    expect(a.messages.slice(mark).filter((m) => m.op === 'error')).toEqual([]);
    expect(control.callsOf('jogJoints').map((c) => c.clientId)).toEqual([aId, aId, aId, aId, aId]);
    expect(control.callsOf('jogTwist')).toEqual([{ op: 'jogTwist', clientId: aId, twist: { linear: [0.01, 0, 0], angular: [0, 0, 0], frame: 'tool' } }]);
    expect(control.callsOf('setGripper')).toEqual([{ op: 'setGripper', clientId: aId, position: 0.5 }]);
    expect(control.calls.some((c) => 'clientId' in c && c.clientId === bId && c.op !== 'acquireLease')).toBe(false);

    const lines = auditEntries();
    expect(lines.filter((e) => e.action === 'lease.acquire' && e.who === 'alice' && e.result === 'accepted')).toHaveLength(1);
    expect(lines.filter((e) => e.action === 'lease.acquire' && e.who === 'bob')).toMatchObject([{ result: 'refused', code: 'lease_held', role: 'operator' }]);
    // Five jog frames in one burst: one "teleop started" line, not five.
    expect(lines.filter((e) => e.action === 'teleop.joints' && e.who === 'alice')).toMatchObject([{ result: 'accepted', detail: { started: true } }]);
    expect(lines.filter((e) => e.action === 'teleop.joints' && e.who === 'bob')).toMatchObject([{ result: 'refused', code: 'not_lease_holder' }]);

    mark = b.mark();
    a.send({ op: 'lease.release' });
    await b.next<LeaseMessage>((m) => m.op === 'lease' && (m as LeaseMessage).holder === null, mark);
  });

  it('releases the lease when the holder disconnects; the others are told', async () => {
    const holder = await connect('holder');
    const watcher = await connect('watcher', 'viewer-token');
    const holderId = (holder.messages.find((m) => m.op === 'welcome') as { clientId: string }).clientId;
    holder.send({ op: 'lease.acquire' });
    await watcher.next<LeaseMessage>((m) => m.op === 'lease' && (m as LeaseMessage).holder === holderId);
    const mark = watcher.mark();
    await holder.close();
    await watcher.next<LeaseMessage>((m) => m.op === 'lease' && (m as LeaseMessage).holder === null, mark);
    expect(control.leaseHolder).toBeUndefined();
    expect(control.callsOf('releaseLease').at(-1)).toEqual({ op: 'releaseLease', clientId: holderId });
    // The controller sent zeros when the lease went.
    expect(control.lastOutput?.velocities).toEqual([0, 0, 0, 0, 0, 0]);
    expect(auditEntries().filter((e) => e.action === 'lease.release' && e.who === 'holder')).toMatchObject([{ result: 'accepted', detail: { reason: 'disconnect' } }]);
  });

  it('lets a viewer press the e-stop, but not take the lease or reset the e-stop', async () => {
    const viewer = await connect('wall', 'viewer-token');
    const operator = await connect('op');
    operator.send({ op: 'subscribe', streams: ['events'] });
    await operator.ping();
    const mark = operator.mark();
    viewer.send({ op: 'estop', reason: 'person in the cell' });
    const state = await operator.next<StateMessage>((m) => m.op === 'state' && (m as StateMessage).estopped, mark);
    expect(state.gates.estop).toBe(false);
    expect(state.estop).toMatchObject({ reason: 'person in the cell', by: expect.stringContaining('wall') });
    await operator.next((m) => m.op === 'safety' && (m as { event: { kind: string } }).event.kind === 'estop', mark);
    expect(control.callsOf('estop').at(-1)).toMatchObject({ reason: 'person in the cell', by: expect.stringContaining('wall') });

    viewer.send({ op: 'lease.acquire' });
    await viewer.next(isError('forbidden'));
    viewer.send({ op: 'estop.reset' });
    const forbidden = await viewer.next<ErrorMessage>((m) => isError('forbidden')(m) && (m as ErrorMessage).requestOp === 'estop.reset');
    expect(forbidden.message).toContain('operator or admin');
    expect(control.estopped).toBe(true);

    operator.send({ op: 'lease.acquire' });
    await operator.next((m) => m.op === 'lease' && (m as LeaseMessage).holderName === 'op', mark);
    operator.send({ op: 'teleop.joints', velocities: [0, 0, 0.2, 0, 0, 0] });
    await operator.next(isError('estopped'), mark);
    operator.send({ op: 'estop.reset' });
    await operator.next<StateMessage>((m) => m.op === 'state' && !(m as StateMessage).estopped, mark);
    operator.send({ op: 'lease.release' });
    await operator.ping();

    const lines = auditEntries();
    expect(lines.filter((e) => e.action === 'estop')).toMatchObject([{ who: 'wall', role: 'viewer', principal: 'wall screen', result: 'accepted', detail: { reason: 'person in the cell' } }]);
    expect(lines.filter((e) => e.action === 'estop.reset')).toMatchObject([
      { who: 'wall', result: 'refused', code: 'forbidden' },
      { who: 'op', result: 'accepted' },
    ]);
    expect(lines.filter((e) => e.action === 'lease.acquire' && e.who === 'wall')).toMatchObject([{ result: 'refused', code: 'forbidden' }]);
  });

  it('answers reserved record and policy ops with not_implemented, and audits the attempt', async () => {
    const client = await connect('recorder');
    const ops = [
      { op: 'record.start', dataset: 'pick', task: 'pick the cube' },
      { op: 'record.stop', outcome: 'success' },
      { op: 'policy.start', policy: 'bc-1', mode: 'shadow', speedScale: 0.5 },
      { op: 'policy.stop' },
    ];
    for (const msg of ops) {
      const mark = client.mark();
      client.send(msg);
      const err = await client.next<ErrorMessage>(isError('not_implemented'), mark);
      expect(err.requestOp).toBe(msg.op);
    }
    expect(auditEntries().filter((e) => e.who === 'recorder' && e.action !== 'hello').map((e) => [e.action, e.code])).toEqual(ops.map((o) => [o.op, 'not_implemented']));
  });
});

describe('malformed input', () => {
  const raw = (x: unknown) => packr.pack(x);
  const cases: [string, string, Buffer | string][] = [
    ['text frame', 'bad_frame', '{"op":"ping","t":1}'],
    ['not msgpack (truncated)', 'bad_frame', Buffer.from([0x92, 0x01])],
    ['trailing bytes', 'bad_frame', Buffer.concat([raw({ op: 'ping', t: 1 }), Buffer.from([1])])],
    ['empty frame', 'bad_frame', Buffer.alloc(0)],
    ['an array', 'invalid_message', raw([1, 2, 3])],
    ['a number', 'invalid_message', raw(42)],
    ['null', 'invalid_message', raw(null)],
    ['no op', 'invalid_message', raw({ t: 1 })],
    ['unknown op', 'unknown_op', raw({ op: 'launch.missiles' })],
    ['op of wrong type', 'invalid_message', raw({ op: 7 })],
    ['wrong field type', 'invalid_message', raw({ op: 'teleop.joints', velocities: ['a', 0, 0, 0, 0, 0] })],
    ['NaN', 'invalid_message', raw({ op: 'teleop.joints', velocities: [Number.NaN, 0, 0, 0, 0, 0] })],
    ['Infinity', 'invalid_message', raw({ op: 'teleop.twist', linear: [Number.POSITIVE_INFINITY, 0, 0], angular: [0, 0, 0], frame: 'base' })],
    ['wrong array length (twist)', 'invalid_message', raw({ op: 'teleop.twist', linear: [0, 0], angular: [0, 0, 0], frame: 'base' })],
    ['wrong joint count', 'wrong_joint_count', raw({ op: 'teleop.joints', velocities: [0, 0, 0, 0, 0] })],
    ['bad enum', 'invalid_message', raw({ op: 'teleop.twist', linear: [0, 0, 0], angular: [0, 0, 0], frame: 'world' })],
    ['out of range', 'invalid_message', raw({ op: 'teleop.gripper', position: 1.5 })],
    ['missing field', 'invalid_message', raw({ op: 'teleop.gripper' })],
    ['extra field', 'invalid_message', raw({ op: 'ping', t: 1, extra: true })],
    ['rate out of range', 'invalid_message', raw({ op: 'subscribe', streams: ['joints'], maxRateHz: 0 })],
    ['bad stream name', 'invalid_message', raw({ op: 'subscribe', streams: ['joints; drop'] })],
    ['second hello', 'already_welcomed', raw({ op: 'hello', version: PROTOCOL_VERSION, clientName: 'again', token: 'admin-token' })],
  ];

  it.each(cases)('%s → error %s, and the connection still answers ping', async (_name, code, frame) => {
    const client = await connect('fuzzer');
    const mark = client.mark();
    client.sendRaw(frame);
    const err = await client.next<ErrorMessage>((m) => m.op === 'error', mark);
    expect(err.code).toBe(code);
    expect(err.message.length).toBeGreaterThan(10);
    await client.ping();
  });

  it('closes an oversized frame with 1009 and leaves other clients alone', async () => {
    const big = await connect('big');
    const other = await connect('other');
    big.sendRaw(raw({ op: 'ping', t: 1, pad: 'x'.repeat(300 * 1024) }));
    expect((await big.closed).code).toBe(1009);
    await other.ping();
  });
});
