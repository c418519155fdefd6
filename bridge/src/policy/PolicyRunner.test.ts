import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { AuditLog } from '../access/index.ts';
import { startStack, type RunningStack } from '../app/startStack.ts';
import type { ControlOutput } from '../control/index.ts';
import { UR5E, forwardKinematics, jacobian } from '../kinematics/index.ts';
import { PolicyRuntime } from '@cellkit/trainer';
import { loadPolicy, type LoadedPolicy } from './loadPolicy.ts';
import { PolicyError } from './PolicyError.ts';
import { PolicyRunner } from './PolicyRunner.ts';
import { recordInterventions } from './recordInterventions.ts';
import { trainTinyPolicy } from './testing/trainTinyPolicy.ts';
import { TWIST_NAMES } from './twistAction.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let detail: (() => unknown) | undefined;

async function waitFor(what: string, ok: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!ok()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}${detail ? `: ${JSON.stringify(detail())}` : ''}`);
    await sleep(20);
  }
}

// The real stack (sim cell → rosbridge → roslib → controller + safety layer)
// with a bundle trained in the test: the runner reaches the arm only through
// `submitPolicy`, so everything here also shows the safety layer in the path.
describe('PolicyRunner on the real stack', () => {
  let dir: string;
  let stack: RunningStack;
  let bundleDir: string;
  let runner: PolicyRunner;
  const outputs: ControlOutput[] = [];

  const cell = () => stack.connection.description;
  async function policy(source = bundleDir): Promise<LoadedPolicy> {
    return loadPolicy({ source, cell: cell() });
  }
  let latestQ: number[] = [];
  let latestQd: number[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cellkit-policy-'));
    bundleDir = await trainTinyPolicy({ dir });
    stack = await startStack({ sim: { port: 0, speed: 1, cameras: [] }, port: 0, auditLog: AuditLog.inMemory().audit, dataDir: join(dir, 'data'),
      // A loaded test machine can pause the process past the default 16 ms watchdog; these tests are about the runner.
      controller: { watchdogPeriods: 25 },
    });
    stack.controller.on('output', (o) => outputs.push(o));
    stack.connection.on('joints', (s) => ((latestQ = s.position), (latestQd = s.velocity)));
    await waitFor('the cell', () => stack.connection.health().state === 'connected' && latestQ.length > 0 && stack.controller.status().safetyMode === 1);
    runner = new PolicyRunner({ cell: stack.connection, control: stack.controller, interventions: recordInterventions({ recording: stack.recording }) });
    detail = () => runner.status();
  }, 60_000);
  afterEach(() => {
    runner.stop();
    for (const id of ['op1', runner.clientId]) if (stack.controller.leaseHolder === id) stack.controller.releaseLease(id);
    if (stack.controller.status().estopped) stack.controller.resetEstop('test');
  });
  afterAll(async () => {
    runner?.dispose();
    await stack?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('autonomous: steps at the bundle rate on the cell clock and moves the arm through the safety layer', async () => {
    runner.use(await policy());
    const q0 = latestQ.slice();
    const mark = outputs.length;
    runner.start({ mode: 'autonomous', speedScale: 1 });
    expect(stack.controller.leaseHolder).toBe(runner.clientId);
    await waitFor('15 steps', () => runner.status().steps >= 15);
    const s = runner.status();
    expect(s).toMatchObject({ state: 'running', mode: 'autonomous', rate: 10, policy: 'tiny' });
    expect(s.latencyMs!.p50).toBeGreaterThan(0);
    expect(s.latencyMs!.p99).toBeGreaterThanOrEqual(s.latencyMs!.p50);
    expect(s.predicted).toHaveLength(7);
    expect(s.commanded!.velocities.some((v) => Math.abs(v) > 1e-3)).toBe(true);
    const moving = outputs.slice(mark).filter((o) => o.source === 'policy' && o.velocities.some((v) => v !== 0));
    expect(moving.length).toBeGreaterThan(10);
    const moved = Math.max(...latestQ.map((q, i) => Math.abs(q - q0[i]!)));
    expect(moved).toBeGreaterThan(0.005);
    runner.stop();
    expect(runner.status()).toMatchObject({ state: 'stopped', stopReason: { code: 'stopped' } });
    expect(stack.controller.leaseHolder).toBeUndefined();
    console.log(`[policy] inference latency p50 ${s.latencyMs!.p50.toFixed(3)} ms, p99 ${s.latencyMs!.p99.toFixed(3)} ms over ${s.latencyMs!.samples} steps; moved ${moved.toFixed(3)} rad`);
  }, 40_000);

  it('shadow: predicts and reports, never commands', async () => {
    runner.use(await policy());
    // The arm may still be braking from the test before.
    await waitFor('the arm at rest', () => latestQd.every((v) => Math.abs(v) < 1e-4));
    const mark = outputs.length;
    const q0 = latestQ.slice();
    runner.start({ mode: 'shadow', speedScale: 1 });
    expect(stack.controller.leaseHolder).toBeUndefined();
    await waitFor('8 steps', () => runner.status().steps >= 8);
    const s = runner.status();
    expect(s.predicted!.some((v) => Math.abs(v) > 1e-3)).toBe(true);
    expect(s.commanded).toBeUndefined();
    expect(outputs.slice(mark).every((o) => o.source !== 'policy' && o.velocities.every((v) => v === 0))).toBe(true);
    expect(Math.max(...latestQ.map((q, i) => Math.abs(q - q0[i]!)))).toBeLessThan(1e-3);
  }, 30_000);

  it('supervised: an operator jog takes over at once; the takeover is recorded as an intervention episode; resume continues', async () => {
    runner.use(await policy());
    expect(stack.controller.acquireLease('op1').accepted).toBe(true);
    runner.start({ mode: 'supervised', speedScale: 0.5, by: 'op1' });
    expect(stack.controller.leaseHolder).toBe(runner.clientId);
    await waitFor('5 steps', () => runner.status().steps >= 5);

    // What the server does on a jog from an operator: takeover, then the jog.
    expect(runner.takeover('op1', 'operator [op1]')).toBe(true);
    const mark = outputs.length;
    expect(stack.controller.leaseHolder).toBe('op1');
    const stepsAtTakeover = runner.status().steps;
    for (let i = 0; i < 15; i++) {
      expect(stack.controller.jogJoints('op1', [0.05, 0, 0, 0, 0, 0]).accepted).toBe(true);
      await sleep(30);
    }
    // No policy command reached the arm after the takeover; the operator's did.
    expect(outputs.slice(mark).some((o) => o.source === 'policy')).toBe(false);
    expect(outputs.slice(mark).some((o) => o.source === 'teleop' && o.velocities[0]! > 0)).toBe(true);
    expect(runner.status()).toMatchObject({ state: 'intervened', steps: stepsAtTakeover, interventionCount: 1 });
    await waitFor('the intervention episode to open', () => runner.status().interventions[0]?.episode !== undefined);

    stack.controller.releaseLease('op1');
    expect(runner.status().state).toBe('paused');
    const iv = runner.status().interventions[0]!;
    expect(iv.by).toBe('operator [op1]');
    expect(iv.end).toBeGreaterThan(iv.start);
    await waitFor('the intervention episode to close', () => stack.recording.status().state === 'idle' && stack.recording.status().last?.episode === iv.episode!.episode);
    expect(stack.recording.status().last).toMatchObject({ dataset: 'interventions', outcome: 'success' });
    const meta = JSON.parse(await readFile(join(dir, 'data', 'interventions', 'episodes', `${String(iv.episode!.episode).padStart(6, '0')}.json`), 'utf8'));
    expect(meta.task).toBe('intervention: tiny');

    runner.resume('op1');
    await waitFor('steps after resume', () => runner.status().state === 'running' && runner.status().steps >= 3);
    expect(stack.controller.leaseHolder).toBe(runner.clientId);
  }, 40_000);

  it('refuses a bundle made for other joint names, saying what differs', async () => {
    const other = await trainTinyPolicy({ dir, name: 'other-arm', jointNames: ['j1', 'j2', 'j3', 'j4', 'j5', 'j6'], epochs: 1 });
    const err = await policy(other).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyError);
    const e = err as PolicyError;
    expect(e.code).toBe('bundle_does_not_fit');
    expect(e.message).toContain('policy expects joints [j1, j2, j3, j4, j5, j6], the cell has [shoulder_pan_joint');
    expect(e.problems.map((p) => p.code)).toContain('joints');
    expect(e.tip).toMatch(/retrain/);
  }, 30_000);

  it('a non-finite output stops it before anything is commanded', async () => {
    const broken = join(dir, 'broken');
    await cp(bundleDir, broken, { recursive: true });
    const manifest = JSON.parse(await readFile(join(broken, 'policy.json'), 'utf8'));
    // 1e309 parses as Infinity: the de-normalized action is non-finite.
    await writeFile(join(broken, 'policy.json'), JSON.stringify(manifest).replace(/"action":\{"mean":\[([^\]]*)\],"std":\[[^,\]]*/, '"action":{"mean":[$1],"std":[1e309'));
    expect(JSON.parse(await readFile(join(broken, 'policy.json'), 'utf8')).normalization.action.std[0]).toBe(Infinity);
    runner.use(await policy(broken));
    const mark = outputs.length;
    runner.start({ mode: 'autonomous', speedScale: 1 });
    await waitFor('the stop', () => runner.status().state === 'stopped');
    expect(runner.status().stopReason).toMatchObject({ code: 'non_finite_output' });
    expect(runner.status().stopReason!.message).toMatch(/expected finite actions, found \[(-?Infinity|NaN)/);
    expect(outputs.slice(mark).some((o) => o.source === 'policy')).toBe(false);
    expect(stack.controller.leaseHolder).toBeUndefined();
  }, 30_000);

  it('position targets: the arm goes to the predicted joint positions and holds there (no drift)', async () => {
    await waitFor('the arm at rest', () => latestQd.every((v) => Math.abs(v) < 1e-4));
    const q0 = latestQ.slice(0, 6);
    const goal = q0.map((q, i) => q + [0.06, -0.04, 0.05, 0, 0, 0.08][i]!);
    // The tiny bundle made to say "be at `goal`": joint outputs renamed to position targets and
    // their normalization set so that every prediction de-normalizes to `goal` (std ~0).
    const fixed = join(dir, 'fixed-position');
    await cp(bundleDir, fixed, { recursive: true });
    const manifest = JSON.parse(await readFile(join(fixed, 'policy.json'), 'utf8'));
    const names = cell().jointNames;
    manifest.outputs.action = manifest.outputs.action.map((a: string) => {
      const j = names.find((n) => a.startsWith(`${n}.`));
      return j ? `action.position.${j}` : a;
    });
    manifest.outputs.action.forEach((a: string, k: number) => {
      const j = names.findIndex((n) => a === `action.position.${n}`);
      if (j < 0) return;
      manifest.normalization.action.mean[k] = goal[j];
      manifest.normalization.action.std[k] = 1e-12;
    });
    await writeFile(join(fixed, 'policy.json'), JSON.stringify(manifest));
    runner.use(await policy(fixed));
    runner.start({ mode: 'autonomous', speedScale: 1 });
    await waitFor('the arm at the goal', () => latestQ.slice(0, 6).every((q, i) => Math.abs(q - goal[i]!) < 0.002), 20_000);
    // It stays: a second later still there, and still.
    await sleep(1000);
    expect(runner.status().state).toBe('running');
    expect(Math.max(...latestQ.slice(0, 6).map((q, i) => Math.abs(q - goal[i]!)))).toBeLessThan(0.002);
    expect(Math.max(...latestQd.slice(0, 6).map(Math.abs))).toBeLessThan(0.01);
  }, 40_000);

  it('twist: a constant predicted +2 cm/s in x moves the TCP along +x, orientation held, through the safety layer within its limits', async () => {
    await waitFor('the arm at rest', () => latestQd.every((v) => Math.abs(v) < 1e-4));
    const tool = stack.controller.status().toolOffset!;
    expect(cell().arm).toBe('ur5e');
    const twist = [0.02, 0, 0, 0, 0, 0];
    // The tiny bundle made to say "move the tool at `twist`": joint outputs renamed to the twist columns, their
    // normalization set so every prediction de-normalizes to `twist` (std ~0), and the sim cell's arm and tool.
    const fixed = join(dir, 'fixed-twist');
    await cp(bundleDir, fixed, { recursive: true });
    const manifest = JSON.parse(await readFile(join(fixed, 'policy.json'), 'utf8'));
    const names = cell().jointNames;
    manifest.outputs.action = manifest.outputs.action.map((a: string) => {
      const j = names.findIndex((n) => a.startsWith(`${n}.`));
      return j >= 0 ? `action.twist.${TWIST_NAMES[j]}` : a;
    });
    manifest.outputs.action.forEach((a: string, k: number) => {
      const c = TWIST_NAMES.findIndex((n) => a === `action.twist.${n}`);
      if (c < 0) return;
      manifest.normalization.action.mean[k] = twist[c];
      manifest.normalization.action.std[k] = 1e-12;
    });
    manifest.kinematics = { arm: 'ur5e', toolOffset: tool };
    await writeFile(join(fixed, 'policy.json'), JSON.stringify(manifest));
    // The runtime sees where the tool is each step (it tracks the chunks' plan against it): record what it was given.
    const seen: { tcpPosition?: number[]; speedScale?: number }[] = [];
    runner.use(await loadPolicy({
      source: fixed, cell: { ...cell(), toolOffset: tool },
      predictor: (bundle) => {
        const runtime = new PolicyRuntime(bundle);
        return { predict: (obs) => (seen.push({ tcpPosition: obs.tcpPosition && Array.from(obs.tcpPosition), speedScale: obs.speedScale }), runtime.predict(obs)), reset: () => runtime.reset(), dispose: () => runtime.dispose() };
      },
    }));
    expect(runner.loaded!.adapter.twistOutputs).toBe(true);

    const q0 = latestQ.slice(0, 6);
    const start = forwardKinematics(UR5E, q0, tool);
    const mark = outputs.length;
    runner.start({ mode: 'autonomous', speedScale: 1 });
    await waitFor('the TCP 2 cm along +x', () => forwardKinematics(UR5E, latestQ.slice(0, 6), tool).position[0] - start.position[0] > 0.02, 20_000);
    expect(runner.status().state).toBe('running');
    runner.stop();
    const q1 = latestQ.slice(0, 6);
    const end = forwardKinematics(UR5E, q1, tool);
    // What the runtime was told: the tool point by forward kinematics of the measured joints, from the start to the end.
    expect(seen.length).toBeGreaterThan(10);
    expect(seen.every((o) => o.tcpPosition?.length === 3 && o.speedScale === 1)).toBe(true);
    expect(Math.max(...seen[0]!.tcpPosition!.map((v, i) => Math.abs(v - start.position[i]!)))).toBeLessThan(0.001);
    expect(Math.max(...seen.at(-1)!.tcpPosition!.map((v, i) => Math.abs(v - end.position[i]!)))).toBeLessThan(0.002);
    // Along x: y and z within 1 mm, the tool frame turned by less than ~0.3°.
    expect(Math.abs(end.position[1] - start.position[1])).toBeLessThan(0.001);
    expect(Math.abs(end.position[2] - start.position[2])).toBeLessThan(0.001);
    expect(Math.max(...end.rotation.map((r, i) => Math.abs(r - start.rotation[i]!)))).toBeLessThan(0.005);
    // Every policy command went through the safety layer; none was cut by the TCP speed or workspace limits,
    // and each moves the tool at about the predicted 2 cm/s along x (J at the midpoint; the arm moves 2 cm).
    const sent = outputs.slice(mark).filter((o) => o.source === 'policy' && o.velocities.some((v) => v !== 0));
    expect(sent.length).toBeGreaterThan(10);
    expect(sent.some((o) => o.limited.some((c) => /tcp|workspace/.test(c)))).toBe(false);
    const J = jacobian(UR5E, q0.map((q, i) => (q + q1[i]!) / 2), tool);
    const steady = sent.filter((o) => o.limited.length === 0).map((o) => J.map((row) => row.reduce((s, x, j) => s + x * o.velocities[j]!, 0)));
    expect(steady.length).toBeGreaterThan(10);
    for (const v of steady) {
      expect(v[0]).toBeGreaterThan(0.018);
      expect(v[0]).toBeLessThan(0.022);
      expect(Math.hypot(v[0]!, v[1]!, v[2]!)).toBeLessThanOrEqual(stack.controller.status().limits.maxTcpSpeed);
    }
  }, 40_000);

  it('losing the lease stops it at once; nothing of the policy moves the arm afterwards', async () => {
    runner.use(await policy());
    runner.start({ mode: 'autonomous', speedScale: 1 });
    await waitFor('3 steps', () => runner.status().steps >= 3);
    // Whatever takes the lease from the runner (here: released under it, then taken by someone else).
    stack.controller.releaseLease(runner.clientId);
    expect(runner.status()).toMatchObject({ state: 'stopped', stopReason: { code: 'lease_lost' } });
    expect(stack.controller.acquireLease('op1').accepted).toBe(true);
    const mark = outputs.length;
    await sleep(300);
    expect(outputs.slice(mark).some((o) => o.source === 'policy')).toBe(false);
  }, 30_000);

  it('an e-stop stops it, and it stays stopped after the reset', async () => {
    runner.use(await policy());
    runner.start({ mode: 'autonomous', speedScale: 1 });
    await waitFor('3 steps', () => runner.status().steps >= 3);
    stack.controller.estop('tester', 'test');
    expect(runner.status()).toMatchObject({ state: 'stopped', stopReason: { code: 'estop' } });
    const mark = outputs.length;
    stack.controller.resetEstop('tester');
    await sleep(300);
    expect(outputs.slice(mark).some((o) => o.source === 'policy')).toBe(false);
    expect(() => runner.start({ mode: 'autonomous', speedScale: 1.5 })).toThrow(/expected speedScale in \(0, 1\], found 1.5/);
  }, 30_000);
});
