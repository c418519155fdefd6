import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AuditLog } from '../access/index.ts';
import { startStack, type RunningStack } from '../app/startStack.ts';
import { loadPolicy } from './loadPolicy.ts';
import { PolicyRunner } from './PolicyRunner.ts';
import { trainTinyPolicy } from './testing/trainTinyPolicy.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// An image policy on the real stack: the sim renders the camera, the runner
// decodes the latest JPEG and resizes it to the bundle's shape at each step.
// At speed 'max' the sim waits for its renders, so frames are never stale
// on the cell's clock however loaded the machine (shadow mode: no commands).
describe('PolicyRunner with a camera policy', () => {
  let dir: string;
  let stack: RunningStack;
  let runner: PolicyRunner;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cellkit-policy-cam-'));
    stack = await startStack({ sim: { port: 0, speed: 'max', cameras: ['scene'], cameraSize: { width: 64, height: 48 } }, port: 0, auditLog: AuditLog.inMemory().audit, dataDir: join(dir, 'data') });
    runner = new PolicyRunner({ cell: stack.connection, control: stack.controller });
  }, 60_000);
  afterAll(async () => {
    runner?.dispose();
    await stack?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('steps on fresh frames (decoded and resized to 16×16), and refuses a bundle for a camera the cell lacks', async () => {
    const bundle = await trainTinyPolicy({ dir, name: 'cam', cameras: ['scene'] });
    runner.use(await loadPolicy({ source: bundle, cell: stack.connection.description }));
    // Started before any frame may have arrived: it waits (warming up), it does not stop.
    runner.start({ mode: 'shadow', speedScale: 1 });
    const end = performance.now() + 20_000;
    while (runner.status().steps < 5 && runner.status().state === 'running' && performance.now() < end) await sleep(20);
    const s = runner.status();
    expect(s.state, JSON.stringify(s.stopReason)).toBe('running');
    expect(s.steps).toBeGreaterThanOrEqual(5);
    expect(s.predicted).toHaveLength(7);
    expect(s.predicted!.every(Number.isFinite)).toBe(true);
    expect(s.phasesMs!.observe).toBeGreaterThan(0);
    console.log(`[policy] camera policy: observe ${s.phasesMs!.observe.toFixed(2)} ms (JPEG decode + resize), infer ${s.phasesMs!.infer.toFixed(2)} ms; latency p50 ${s.latencyMs!.p50.toFixed(2)} ms p99 ${s.latencyMs!.p99.toFixed(2)} ms`);
    runner.stop();

    const wrist = await trainTinyPolicy({ dir, name: 'wrist', cameras: ['wrist'], epochs: 1 });
    const err = await loadPolicy({ source: wrist, cell: stack.connection.description }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/policy expects camera 'wrist' \(16×16\), the cell has \[scene\]/);
  }, 60_000);
});
