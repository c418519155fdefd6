import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { AuditLog } from '../access/index.ts';
import { startStack, type RunningStack } from '../app/startStack.ts';
import type { ControlOutput } from '../control/index.ts';
import type { ErrorMessage, LeaseMessage, PolicyMessage } from '../protocol/index.ts';
import { TestClient } from '../server/testing/index.ts';
import { trainTinyPolicy } from './testing/trainTinyPolicy.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const isPolicy = (pred: (m: PolicyMessage) => boolean) => (m: { op: string }) => m.op === 'policy' && pred(m as PolicyMessage);

// policy.* over the bridge's websocket on the real stack: what the UI does.
describe('policy.start / stop / resume over the protocol', () => {
  let dir: string;
  let stack: RunningStack;
  const audit = AuditLog.inMemory();
  const clients: TestClient[] = [];
  const outputs: ControlOutput[] = [];
  async function connect(name: string): Promise<{ client: TestClient; id: string }> {
    const { client, welcome } = await TestClient.welcomed(stack.wsUrl, name);
    clients.push(client);
    return { client, id: welcome.clientId };
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cellkit-policy-ws-'));
    await trainTinyPolicy({ dir: join(dir, 'policies'), name: 'tiny' });
    stack = await startStack({ sim: { port: 0, speed: 1, cameras: [] }, port: 0, auditLog: audit.audit, dataDir: join(dir, 'data'), policiesDir: join(dir, 'policies'),
      // A loaded test machine can pause the process past the default 16 ms watchdog; these tests are about the runner.
      controller: { watchdogPeriods: 25 },
    });
    stack.controller.on('output', (o) => outputs.push(o));
    const end = performance.now() + 15_000;
    while (!(stack.connection.health().state === 'connected' && stack.controller.status().safetyMode === 1) && performance.now() < end) await sleep(50);
  }, 60_000);
  afterEach(async () => {
    stack.policy.stop('test cleanup');
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await stack?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a path, an unknown bundle, and starting while someone else holds the lease — with a tip', async () => {
    const { client: a } = await connect('alice');
    const { client: b } = await connect('bob');
    let mark = a.mark();
    a.send({ op: 'policy.start', policy: '../../etc', mode: 'shadow', speedScale: 1 });
    const bad = await a.next<ErrorMessage>((m) => m.op === 'error', mark);
    expect(bad).toMatchObject({ requestOp: 'policy.start' });
    expect(bad.message).toMatch(/policy: expected 1\.\.64 of A-Z/);

    mark = a.mark();
    a.send({ op: 'policy.start', policy: 'nope', mode: 'shadow', speedScale: 1 });
    const unknown = await a.next<ErrorMessage>((m) => m.op === 'error', mark);
    expect(unknown).toMatchObject({ code: 'unknown_policy', requestOp: 'policy.start' });
    expect(unknown.message).toContain(join(dir, 'policies', 'nope'));
    expect(unknown.tip).toMatch(/copy the trained bundle folder/);

    mark = b.mark();
    b.send({ op: 'lease.acquire' });
    await b.next((m) => m.op === 'lease' && (m as LeaseMessage).holderName === 'bob', mark);
    mark = a.mark();
    a.send({ op: 'policy.start', policy: 'tiny', mode: 'autonomous', speedScale: 1 });
    const held = await a.next<ErrorMessage>((m) => m.op === 'error', mark);
    expect(held).toMatchObject({ code: 'lease_held', requestOp: 'policy.start' });
    expect(stack.controller.leaseHolder).not.toBe(stack.policy.runner.clientId);
  }, 30_000);

  it('supervised: status is broadcast while running; a jog takes over at once; hand back, resume, stop', async () => {
    const { client: op, id } = await connect('operator');
    const { client: viewer } = await connect('viewer');
    let mark = op.mark();
    op.send({ op: 'lease.acquire' });
    await op.next((m) => m.op === 'lease' && (m as LeaseMessage).holder === id, mark);

    mark = viewer.mark();
    op.send({ op: 'policy.start', policy: 'tiny', mode: 'supervised', speedScale: 0.5 });
    await viewer.next((m) => m.op === 'lease' && (m as LeaseMessage).holder === stack.policy.runner.clientId, mark);
    const running = await viewer.next<PolicyMessage>(isPolicy((m) => m.state === 'running' && m.steps >= 3 && m.latencyMs !== undefined), mark);
    expect(running).toMatchObject({ policy: 'tiny', mode: 'supervised', speedScale: 0.5, rate: 10, interventionCount: 0 });
    expect(running.predicted).toHaveLength(7);
    expect(running.commanded!.velocities).toHaveLength(6);

    // The operator jogs: the runner yields, the jog moves the arm, no policy command follows.
    mark = viewer.mark();
    const outMark = outputs.length;
    for (let i = 0; i < 10; i++) {
      op.send({ op: 'teleop.joints', velocities: [0, 0, 0, 0, 0, 0.1] });
      await sleep(30);
    }
    const taken = await viewer.next<PolicyMessage>(isPolicy((m) => m.state === 'intervened'), mark);
    expect(taken.interventions.at(-1)!.by).toBe(`operator [${id}]`);
    await viewer.next((m) => m.op === 'lease' && (m as LeaseMessage).holder === id, mark);
    const after = outputs.slice(outMark);
    expect(after.some((o) => o.source === 'teleop' && o.velocities[5]! > 0)).toBe(true);
    // Only outputs already computed before the takeover tick may carry the policy's source.
    const firstTeleop = after.findIndex((o) => o.source === 'teleop');
    expect(after.slice(firstTeleop).some((o) => o.source === 'policy')).toBe(false);

    // Hand back → paused (intervention closed, recorded) → resume → stop.
    mark = viewer.mark();
    op.send({ op: 'lease.release' });
    const paused = await viewer.next<PolicyMessage>(isPolicy((m) => m.state === 'paused'), mark);
    expect(paused.interventions.at(-1)!.end).toBeGreaterThan(paused.interventions.at(-1)!.start);
    mark = viewer.mark();
    op.send({ op: 'policy.resume' });
    await viewer.next<PolicyMessage>(isPolicy((m) => m.state === 'running'), mark);
    mark = viewer.mark();
    op.send({ op: 'policy.stop' });
    const stopped = await viewer.next<PolicyMessage>(isPolicy((m) => m.state === 'stopped'), mark);
    expect(stopped.stopReason).toMatchObject({ code: 'stopped', severity: 'info' });
    expect(stopped.stopReason!.message).toContain('operator');
    expect(stack.controller.leaseHolder).toBeUndefined();
    const actions = audit.lines.map((l) => JSON.parse(l) as { action: string; result: string }).filter((e) => e.action.startsWith('policy.')).map((e) => `${e.action} ${e.result}`);
    expect(actions).toEqual(expect.arrayContaining(['policy.start accepted', 'policy.resume accepted', 'policy.stop accepted']));
  }, 40_000);

  it('a new client is told the policy state in its welcome burst', async () => {
    const client = await TestClient.connect(stack.wsUrl);
    clients.push(client);
    await client.hello('late');
    const m = await client.next<PolicyMessage>(isPolicy(() => true), 0);
    expect(Array.isArray(m.problems)).toBe(true);
  }, 20_000);
});
