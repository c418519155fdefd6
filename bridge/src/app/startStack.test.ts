import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../access/index.ts';
import type { ControlOutput } from '../control/index.ts';
import type { HealthMessage, StateMessage, TelemetryMessage } from '../protocol/index.ts';
import { TestClient } from '../server/testing/index.ts';
import { SimCellServer } from '../../sim/index.ts';
import { startStack, type RunningStack } from './startStack.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The latest measured joint velocities a client saw in telemetry. */
async function latestVelocities(c: TestClient): Promise<number[]> {
  const mark = c.mark();
  const t = await c.next<TelemetryMessage>((m) => m.op === 'telemetry' && m.joints.length > 0, mark);
  return t.joints[t.joints.length - 1].velocity;
}

async function jog(c: TestClient, velocities: number[], seconds: number): Promise<void> {
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    c.send({ op: 'teleop.joints', velocities });
    await sleep(30);
  }
}

// The real stack as `npm start` runs it: sim cell → rosbridge → roslib
// connection (ur profile) → controller + safety layer → fastify/ws server,
// driven by real websocket clients speaking the bridge protocol.
describe('the bridge on the real stack', () => {
  let stack: RunningStack;
  const outputs: ControlOutput[] = [];
  const audit = AuditLog.inMemory();
  const clients: TestClient[] = [];
  /** A welcomed client that is closed after the test even when it fails (so it never keeps the lease). */
  async function connect(name: string): Promise<TestClient> {
    const { client } = await TestClient.welcomed(stack.wsUrl, name);
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    stack = await startStack({ sim: { port: 0, speed: 1, cameras: [] }, port: 0, auditLog: audit.audit });
    stack.controller.on('output', (o) => outputs.push(o));
    // Wait for the cell to report NORMAL and the first joint states.
    const deadline = performance.now() + 10_000;
    while (stack.connection.health().state !== 'connected' && performance.now() < deadline) await sleep(50);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('jogging moves the arm; when frames stop, zeros go out within deadman + one cycle', async () => {
    const client = await connect('operator');
    client.send({ op: 'subscribe', streams: ['joints', 'status'] });
    const mark = client.mark();
    client.send({ op: 'lease.acquire' });
    await client.next((m) => m.op === 'lease' && m.holder !== null, mark);
    await jog(client, [0.3, 0, 0, 0, 0, 0], 1.0);
    // The cell's time when the last frame left the client: the command is
    // stamped on arrival, so no earlier than this.
    const lastFrameAt = outputs.at(-1)!.stamp;
    const moving = await latestVelocities(client);
    expect(moving[0]).toBeGreaterThan(0.1);
    await sleep(600);
    // Stop sending: the deadman zeroes the command, measured on the cell's clock.
    const firstZero = outputs.find((o) => o.stamp > lastFrameAt && o.velocities.every((v) => v === 0))!;
    expect(firstZero).toBeDefined();
    const deadman = stack.controller.safety.limits.deadmanTimeout;
    const cycle = 1 / stack.controller.safety.limits.publishRate;
    expect(firstZero.stamp - lastFrameAt).toBeLessThanOrEqual(deadman + cycle + 1e-6);
    // ... and it was the deadman that stopped it, not anything else.
    expect(firstZero.stop).toBe('deadman');
    const still = await latestVelocities(client);
    expect(Math.abs(still[0])).toBeLessThan(0.01);

  });

  it('closing the controlling client stops the arm at once', async () => {
    const client = await connect('operator');
    const watcher = await connect('watcher');
    watcher.send({ op: 'subscribe', streams: ['joints'] });
    client.send({ op: 'lease.acquire' });
    await client.next((m) => m.op === 'lease' && m.holder !== null);
    const jogging = jog(client, [0, 0, 0, 0, 0, 0.4], 0.8);
    await sleep(600);
    expect((await latestVelocities(watcher))[5]).toBeGreaterThan(0.1);
    client.ws.terminate();
    await jogging;
    await sleep(400);
    expect(stack.controller.leaseHolder).toBeUndefined();
    expect(Math.abs((await latestVelocities(watcher))[5])).toBeLessThan(0.01);

  });

  it('a second client cannot move the arm without the lease; its e-stop stops it and latches', async () => {
    const op = await connect('operator');
    const other = await connect('bystander');
    op.send({ op: 'subscribe', streams: ['joints'] });
    op.send({ op: 'lease.acquire' });
    await op.next((m) => m.op === 'lease' && m.holder !== null);
    let mark = other.mark();
    other.send({ op: 'teleop.joints', velocities: [0.3, 0, 0, 0, 0, 0] });
    const refused = await other.next((m) => m.op === 'error', mark);
    expect(refused).toMatchObject({ op: 'error', requestOp: 'teleop.joints' });
    const jogging = jog(op, [-0.3, 0, 0, 0, 0, 0], 1.2);
    await sleep(500);
    expect((await latestVelocities(op))[0]).toBeLessThan(-0.1);
    mark = op.mark();
    other.send({ op: 'estop', reason: 'bystander saw a person in the cell' });
    const state = await op.next<StateMessage>((m) => m.op === 'state' && m.estopped, mark);
    expect(state.estop?.reason).toMatch(/person/);
    await jogging;
    await sleep(300);
    expect(Math.abs((await latestVelocities(op))[0])).toBeLessThan(0.01);
    // Latched: jogging is refused until a reset, and a reset alone does not move the arm.
    mark = op.mark();
    op.send({ op: 'teleop.joints', velocities: [-0.3, 0, 0, 0, 0, 0] });
    expect(await op.next((m) => m.op === 'error', mark)).toMatchObject({ op: 'error' });
    op.send({ op: 'estop.reset' });
    await op.next<StateMessage>((m) => m.op === 'state' && !m.estopped, mark);
    await sleep(300);
    expect(Math.abs((await latestVelocities(op))[0])).toBeLessThan(0.01);
    expect(audit.lines.some((l) => /estop/.test(l))).toBe(true);


  });

  it('reports the cell lost when the sim dies mid-jog, and never replays commands when it returns', async () => {
    const port = stack.sim!.server.port;
    const client = await connect('operator');
    client.send({ op: 'subscribe', streams: ['joints', 'health'] });
    client.send({ op: 'lease.acquire' });
    await client.next((m) => m.op === 'lease' && m.holder !== null);
    const jogging = jog(client, [0.2, 0, 0, 0, 0, 0], 1.0);
    await sleep(400);
    let mark = client.mark();
    await stack.sim!.close();
    const lost = await client.next<HealthMessage>((m) => m.op === 'health' && m.connection.state === 'lost', mark);
    expect(lost.connection.state).toBe('lost');
    await jogging;
    // The cell comes back on the same address; the bridge reconnects by itself.
    const revived = await SimCellServer.start({ port, speed: 1, cameras: [], log: () => {} });
    try {
      mark = client.mark();
      await client.next<HealthMessage>((m) => m.op === 'health' && m.connection.state === 'connected', mark, 20_000);
      const sentAfter = outputs.length;
      await sleep(1000);
      // Nothing moved: every command sent since the return is zero, and the arm is still.
      expect(outputs.slice(sentAfter).every((o) => o.velocities.every((v) => v === 0))).toBe(true);
      expect(Math.max(...(await latestVelocities(client)).map(Math.abs))).toBeLessThan(0.005);
    } finally {

      await revived.close();
    }
  });
});
