// RosCellConnection against a scripted rosbridge peer (the sim's generic
// RosbridgeServer, real protocol over a real websocket, real roslib client).
import type { ITransport } from 'roslib';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RosbridgeServer } from '../../sim/rosbridge/RosbridgeServer.ts';
import { getProfile } from '../profiles/index.ts';
import { wsTransportFactory } from '../ros/connectRos.ts';
import type { JointSample } from './Cell.ts';
import { RosCellConnection, type RosCellConnectionOptions } from './RosCellConnection.ts';

const UR = ['shoulder_pan_joint', 'shoulder_lift_joint', 'elbow_joint', 'wrist_1_joint', 'wrist_2_joint', 'wrist_3_joint'];
const quiet = () => {};

async function waitFor(pred: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const start = Date.now();
  while (!pred()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fake UR driver: joint states at ~100 Hz (wall), the latched safety mode, a command counter, a dashboard service. */
async function fakeUrCell(port = 0) {
  const server = await RosbridgeServer.start({ port, log: quiet });
  const joints = server.advertise('/joint_states', 'sensor_msgs/msg/JointState');
  server.advertise('/io_and_status_controller/safety_mode', 'ur_dashboard_msgs/msg/SafetyMode', { latched: true }).publish({ mode: 1 });
  const commands: number[][] = [];
  server.subscribe<{ data: number[] }>('/forward_velocity_controller/commands', 'std_msgs/msg/Float64MultiArray', (m) => commands.push([...m.data]));
  server.advertiseService('/dashboard_client/unlock_protective_stop', 'std_srvs/srv/Trigger', () => ({ success: true, message: 'unlocked' }));
  let t = 1000;
  const timer = setInterval(() => {
    t += 0.01;
    joints.publish({ header: { stamp: { sec: Math.floor(t), nanosec: Math.round((t % 1) * 1e9) }, frame_id: '' }, name: UR, position: [0, -1.5, 1.5, -1.5, -1.5, 0], velocity: [0, 0, 0, 0, 0, 0], effort: [] });
  }, 10);
  return {
    server,
    commands,
    async close() {
      clearInterval(timer);
      await server.close();
    },
  };
}

const open: { close(): Promise<void> }[] = [];
function track<T extends { close(): Promise<void> }>(x: T): T {
  open.push(x);
  return x;
}
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});
afterAll(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});

function connect(url: string, extra: Partial<RosCellConnectionOptions> = {}) {
  return RosCellConnection.connect({ url, adapter: getProfile('ur').createAdapter({ gripper: null }), reconnect: { initialDelayMs: 50, maxDelayMs: 200 }, ...extra }).then(track);
}

describe('RosCellConnection', () => {
  it('receives joint states over CBOR and maps them to the canonical model', async () => {
    const cell = track(await fakeUrCell());
    const conn = await connect(cell.server.url);
    const got: JointSample[] = [];
    conn.on('joints', (s) => got.push(s));
    await waitFor(() => got.length >= 3 && conn.cellStatus().safetyMode === 1, 'joint states and the safety mode');
    expect(conn.encodings()['/joint_states']).toBe('cbor');
    expect(got[0].position).toEqual([0, -1.5, 1.5, -1.5, -1.5, 0]);
    expect(got[1].stamp).toBeGreaterThan(1000);
    expect(conn.health()).toMatchObject({ state: 'connected', reconnects: 0 });
    expect(conn.health().lastMessageAge).not.toBeNull();
  });

  it('never queues: commands sent while down are dropped, and none reach the cell after reconnecting', async () => {
    const first = await fakeUrCell();
    const port = first.server.port;
    const conn = await connect(first.server.url);
    expect(conn.send({ velocities: [0.1, 0, 0, 0, 0, 0] })).toBe(true);
    await waitFor(() => first.commands.length === 1, 'the first command');

    await first.close();
    await waitFor(() => conn.health().state === 'lost', 'the loss to be seen');
    for (let i = 0; i < 20; i++) expect(conn.send({ velocities: [0.5, 0, 0, 0, 0, 0] })).toBe(false);

    const second = track(await fakeUrCell(port));
    await waitFor(() => conn.health().state === 'connected', 'the reconnect');
    expect(conn.health().reconnects).toBe(1);
    await sleep(300);
    expect(second.commands).toEqual([]);
    expect(conn.send({ velocities: [0, 0.2, 0, 0, 0, 0] })).toBe(true);
    await waitFor(() => second.commands.length === 1, 'the new command');
    expect(second.commands[0]).toEqual([0, 0.2, 0, 0, 0, 0]);
  });

  it('falls back to JSON when CBOR subscriptions deliver nothing but JSON ones do', async () => {
    const cell = track(await fakeUrCell());
    // A transport that swallows CBOR subscribes, like a rosbridge without CBOR support that ignores them.
    const transportFactory = async (url: string): Promise<ITransport> => {
      const t = await wsTransportFactory(url);
      const send = t.send.bind(t);
      t.send = (m) => {
        if ((m as { op?: string; compression?: string }).op === 'subscribe' && (m as { compression?: string }).compression === 'cbor') return;
        send(m);
      };
      return t;
    };
    const problems: string[] = [];
    const conn = await connect(cell.server.url, { transportFactory, cborProbeMs: 300, onProblem: (p) => problems.push(p.message) });
    const got: JointSample[] = [];
    conn.on('joints', (s) => got.push(s));
    await waitFor(() => got.length >= 3, 'joint states over JSON');
    expect(conn.encodings()['/joint_states']).toBe('json (cbor fallback)');
    expect(conn.encodings()['/io_and_status_controller/safety_mode']).toBe('json');
    expect(problems.some((p) => p.includes('CBOR'))).toBe(true);
  });

  it('treats a connected but silent cell as lost and reconnects', async () => {
    const server = track(await RosbridgeServer.start({ port: 0, log: quiet }));
    server.advertise('/io_and_status_controller/safety_mode', 'ur_dashboard_msgs/msg/SafetyMode', { latched: true }).publish({ mode: 1 });
    const conn = await connect(server.url, { silenceTimeoutMs: 300 });
    const states: string[] = [];
    conn.on('health', (h) => states.push(`${h.state}:${h.error ?? ''}`));
    await waitFor(() => conn.health().reconnects >= 1, 'a reconnect after silence');
    expect(states.some((s) => s.startsWith('lost:no message from the cell'))).toBe(true);
  });

  it('calls dashboard actions, and answers for actions the profile lacks or while down', async () => {
    const cell = track(await fakeUrCell());
    const conn = await connect(cell.server.url);
    expect(await conn.callAction('unlockProtectiveStop')).toEqual({ success: true, message: 'unlocked' });
    const servo = track(new RosCellConnection({ url: cell.server.url, adapter: getProfile('servo').createAdapter() }));
    await waitFor(() => servo.health().state === 'connected', 'servo connection');
    const r = await servo.callAction('unlockProtectiveStop');
    expect(r.success).toBe(false);
    expect(r.message).toMatch(/servo profile has no "unlockProtectiveStop"/);
    await cell.close();
    await waitFor(() => conn.health().state !== 'connected', 'the loss');
    expect((await conn.callAction('stopProgram')).success).toBe(false);
  });

  it('rejects with what to check when the cell cannot be reached', async () => {
    const s = await RosbridgeServer.start({ port: 0, log: quiet });
    const url = s.url;
    await s.close();
    await expect(RosCellConnection.connect({ url, adapter: getProfile('ur').createAdapter(), waitMs: 500 })).rejects.toThrow(/could not reach the cell at .* is rosbridge_server running/);
  });
});
