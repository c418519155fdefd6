import { describe, expect, it } from 'vitest';
import { BridgeClient } from './BridgeClient.ts';
import { FakeSocket, ManualTimers, manualFrames, welcome } from './testing.ts';

function setup(over: { silenceMs?: number } = {}) {
  const timers = new ManualTimers();
  const frames = manualFrames();
  const sockets: FakeSocket[] = [];
  const client = new BridgeClient({
    url: 'ws://bridge/ws',
    clientName: 'Anna',
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    timers,
    schedule: frames.schedule,
    now: () => timers.now,
    backoff: { initialMs: 500, maxMs: 4000 },
    silenceMs: over.silenceMs ?? 4000,
  });
  const state = () => client.store.getSnapshot();
  return { timers, frames, sockets, client, state };
}

describe('BridgeClient', () => {
  it('says hello, subscribes to every stream of the cell after welcome, and reduces state once per frame', () => {
    const { sockets, client, state, frames } = setup();
    client.start();
    expect(sockets).toHaveLength(1);
    const s = sockets[0];
    expect(s.url).toBe('ws://bridge/ws');
    s.open();
    expect(s.sent[0]).toMatchObject({ op: 'hello', version: 1, clientName: 'Anna' });
    s.deliver(welcome());
    expect(s.sent[1]).toEqual({ op: 'subscribe', streams: ['joints', 'wrench', 'status', 'events', 'health', 'camera:scene', 'camera:wrist'], maxRateHz: 30 });
    s.deliver({ op: 'lease', holder: 'c2', holderName: 'Ben' });
    s.deliver({ op: 'state', estopped: false, gates: { estop: true }, leaseHolder: 'c2', lastOutput: null, safetyMode: 1 });

    let notified = 0;
    client.store.subscribe(() => notified++);
    expect(state().link.state).toBe('open');
    expect(state().lease.holderName).toBe('Ben');
    frames.run();
    expect(notified).toBe(1);
    expect(client.ready).toBe(true);
  });

  it('puts every telemetry sample into the ring buffers and keeps only the latest camera frame', () => {
    const { sockets, client } = setup();
    client.start();
    const s = sockets[0];
    s.open();
    s.deliver(welcome());
    const joints = [0.1, 0.2, 0.3].map((t, i) => ({ stamp: t, receivedAt: t, position: [i, 0, 0, 0, 0, 0], velocity: [i * 2, 0, 0, 0, 0, 0], effort: [] }));
    s.deliver({ op: 'telemetry', joints, wrench: [{ stamp: 0.1, receivedAt: 0.1, force: [1, 2, 3], torque: [4, 5, 6] }] });
    expect(client.telemetry.positions.size).toBe(3);
    expect(client.telemetry.positions.valueAt(2, 0)).toBe(2);
    expect(client.telemetry.velocities.valueAt(1, 0)).toBe(2);
    expect(client.telemetry.wrench.valueAt(0, 5)).toBe(6);
    s.deliver({ op: 'camera', camera: 'scene', stamp: 1, data: new Uint8Array([1, 2]) });
    s.deliver({ op: 'camera', camera: 'scene', stamp: 2, data: new Uint8Array([3]) });
    const f = client.cameras.get('scene')!;
    expect(f.seq).toBe(2);
    expect(Array.from(f.data)).toEqual([3]);
  });

  it('drops commands while not connected instead of queueing them', () => {
    const { sockets, client } = setup();
    client.start();
    expect(client.send({ op: 'estop' })).toBe(false);
    sockets[0].open();
    // Open but not yet welcomed: only hello may go out.
    expect(client.send({ op: 'lease.acquire' })).toBe(false);
    sockets[0].deliver(welcome());
    expect(client.send({ op: 'lease.acquire' })).toBe(true);
    sockets[0].drop();
    expect(client.send({ op: 'teleop.joints', velocities: [0, 0, 0, 0, 0, 0] })).toBe(false);
    expect(sockets[0].ops()).toEqual(['hello', 'subscribe', 'lease.acquire']);
  });

  it('reconnects with doubling, capped delays and reports the lost link as a problem with a tip', () => {
    const { sockets, client, state, timers } = setup();
    client.start();
    sockets[0].open();
    sockets[0].deliver(welcome());
    sockets[0].drop();
    expect(state().link.state).toBe('lost');
    expect(state().problems[0]).toMatchObject({ id: 'link-lost', severity: 'danger' });
    expect(state().problems[0].message).toMatch(/Connection to the cell lost/);
    expect(state().problems[0].tip).toMatch(/network/);
    const delays: number[] = [];
    let last = timers.now;
    for (let i = 0; i < 5; i++) {
      const n = sockets.length;
      while (sockets.length === n) timers.advance(50);
      delays.push(timers.now - last);
      sockets[sockets.length - 1].drop();
      last = timers.now;
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 4000]);
    const s = sockets[sockets.length - 1];
    while (sockets[sockets.length - 1] === s) timers.advance(50);
    sockets[sockets.length - 1].open();
    sockets[sockets.length - 1].deliver(welcome());
    expect(state().link).toMatchObject({ state: 'open', reconnects: 1, attempts: 0 });
    expect(state().problems).toEqual([]);
  });

  it('treats a silent socket as lost and opens a new one', () => {
    const { sockets, client, state, timers } = setup({ silenceMs: 3000 });
    client.start();
    sockets[0].open();
    sockets[0].deliver(welcome());
    timers.advance(2000);
    expect(state().link.state).toBe('open');
    timers.advance(2500);
    expect(state().link.state).toBe('lost');
    expect(sockets[0].closedWith?.code).toBe(4000);
    timers.advance(600);
    expect(sockets).toHaveLength(2);
  });

  it('shows a refused token as a problem that tells the person what to do', () => {
    const { sockets, client, state } = setup();
    client.start();
    sockets[0].open();
    sockets[0].deliver({ op: 'error', code: 'unauthorized', message: 'expected a valid hello.token, found none', requestOp: 'hello', tip: 'use the token printed when the bridge first started' });
    sockets[0].drop(4001, 'unauthorized');
    const p = state().problems[0];
    expect(p.id).toBe('fatal:unauthorized');
    expect(p.message).toMatch(/hello.token/);
    expect(p.tip).toMatch(/token printed/);
  });

  it('routes refusals and clamps to the controls they concern', () => {
    const { sockets, client, state } = setup();
    client.start();
    sockets[0].open();
    sockets[0].deliver(welcome());
    sockets[0].deliver({ op: 'lease', holder: 'c1', holderName: 'Anna' });
    sockets[0].deliver({ op: 'error', code: 'estopped', message: 'Command refused: e-stopped', requestOp: 'teleop.joints' });
    sockets[0].deliver({ op: 'safety', event: { time: 1, kind: 'clamp', code: 'joint_velocity', message: 'Joint 2 clamped from 3 to 1 rad/s', joint: 1, requested: 3, allowed: 1 } });
    sockets[0].deliver({ op: 'error', code: 'lease_held', message: 'held by Ben', requestOp: 'lease.acquire' });
    const fb = state().feedback;
    expect(fb.map((f) => [f.area, f.code, f.mine])).toEqual([
      ['jog', 'estopped', true],
      ['jog', 'joint_velocity', true],
      ['lease', 'lease_held', true],
    ]);
    expect(fb[0].tip).toMatch(/Reset/);
  });

  it('derives e-stop and protective-stop problems with tips', () => {
    const { sockets, client, state } = setup();
    client.start();
    sockets[0].open();
    sockets[0].deliver(welcome());
    sockets[0].deliver({ op: 'state', estopped: true, gates: { estop: false }, leaseHolder: null, lastOutput: null, safetyMode: 3 });
    const ids = state().problems.map((p) => p.id);
    expect(ids).toEqual(['estop', 'mode:3']);
    expect(state().problems[1].tip).toMatch(/Unlock/);
    const before = state().problems;
    sockets[0].deliver({ op: 'state', estopped: true, gates: { estop: false }, leaseHolder: null, lastOutput: null, safetyMode: 3 });
    expect(state().problems).toBe(before);
  });

  it('stops for good on stop()', () => {
    const { sockets, client, timers, state } = setup();
    client.start();
    sockets[0].open();
    client.stop();
    expect(sockets[0].closedWith?.code).toBe(1000);
    timers.advance(10_000);
    expect(sockets).toHaveLength(1);
    expect(state().link.state).toBe('closed');
    expect(timers.pending()).toBe(0);
  });
});
