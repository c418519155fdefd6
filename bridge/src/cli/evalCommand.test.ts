import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AuditLog } from '../access/index.ts';
import { trainTinyPolicy } from '../policy/testing/trainTinyPolicy.ts';
import { wilson } from '../policy/evaluatePolicy.ts';
import { UsageError } from './Command.ts';
import { busyMachineNote, createEvalCommand, EVAL_FILE } from './evalCommand.ts';

describe('cellkit eval', () => {
  let dir: string;
  let bundle: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cellkit-eval-'));
    bundle = await trainTinyPolicy({ dir });
  }, 60_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs episodes closed-loop in the sim through the runner and writes the result into the bundle', async () => {
    const lines: string[] = [];
    const cmd = createEvalCommand({ auditLog: AuditLog.inMemory().audit, print: (l) => lines.push(l) });
    const code = await cmd.run(['--policy', bundle, '--task', 'reach', '--episodes', '2', '--seed', '1000', '--speed', 'max', '--timeout', '2']);
    expect(code).toBe(0);
    const result = JSON.parse(await readFile(join(bundle, EVAL_FILE), 'utf8'));
    // A joint-velocity mlp has no chunks to track: written as gain 0 (a twist chunk policy runs at TRACK_GAIN).
    expect(result).toMatchObject({ task: 'reach', episodes: 2, seeds: [1000, 1001], timeout: 2, speed: 'max', trackGain: 0 });
    expect(result.loadAverageAtStart).toEqual(expect.any(Number));
    expect(lines.find((l) => l.startsWith('eval: 2 × reach'))).not.toMatch(/tracking/);
    expect(result.results.map((r: { seed: number }) => r.seed)).toEqual([1000, 1001]);
    for (const r of result.results) {
      expect(r.steps).toBeGreaterThan(0);
      // How close it came, from the sim's task progress: 1 on success, else in [0, 1] and printed.
      expect(r.bestProgress).toBeGreaterThanOrEqual(0);
      expect(r.bestProgress).toBeLessThanOrEqual(1);
      if (r.success) expect(r.bestProgress).toBe(1);
      else expect(lines.some((l) => l.includes(`best progress ${r.bestProgress.toFixed(2)}`))).toBe(true);
      if (r.stop) {
        // The runner stopped by itself (on a loaded machine: a stalled bridge trips the safety layer): said, and a failure.
        expect(r.success).toBe(false);
        expect(r.stop.message).toEqual(expect.any(String));
        expect(lines.some((l) => l.includes(`stopped: ${r.stop.code}`))).toBe(true);
      } else if (!r.success) {
        // Ran to the timeout on the sim's clock, at ~10 steps per sim second.
        expect(r.duration).toBeGreaterThanOrEqual(2);
        expect(r.steps).toBeGreaterThanOrEqual(18);
      }
    }
    expect(result.meanBestProgress).toBeCloseTo((result.results[0].bestProgress + result.results[1].bestProgress) / 2, 9);
    expect(result.successRate).toBe(result.successes / 2);
    expect(result.interval95).toEqual(wilson(result.successes, 2));
    expect(result.latencyMs.samples).toBe(result.results.reduce((a: number, r: { steps: number }) => a + r.steps, 0));
    expect(lines.some((l) => /^eval: success \d\/2 = \d+% \(95% CI \d+%–\d+%, Wilson\)/.test(l))).toBe(true);
    expect(lines.at(-1)).toBe(`eval: written to ${join(bundle, EVAL_FILE)}`);
    console.log(lines.join('\n'));
  }, 90_000);

  it('says what is wrong with the command line', async () => {
    const cmd = createEvalCommand({ print: () => {} });
    await expect(cmd.run([])).rejects.toThrow(UsageError);
    await expect(cmd.run(['--policy', bundle, '--episodes', '0'])).rejects.toThrow(/--episodes expects a positive integer, got '0'/);
    await expect(cmd.run(['--policy', bundle, '--task', 'juggle'])).rejects.toThrow(/--task expects one of reach, push, pick_place, got 'juggle'/);
    await expect(cmd.run(['--policy', bundle, '--track-gain=-1'])).rejects.toThrow(/--track-gain expects a number ≥ 0 \(1\/s; 0 = off\), got '-1'/);
  });

  it('says when the machine was busy at the start (load ≥ cores): latency and stale-observation stops are then not comparable', () => {
    expect(busyMachineNote(0.4, 2)).toBeNull();
    expect(busyMachineNote(1.99, 2)).toBeNull();
    expect(busyMachineNote(3.1, 2)).toBe('eval: note — the machine is busy (load average 3.10 on 2 cores): inference latency and any stale-observation stops are not comparable with a run on a quiet machine');
  });

  it('Wilson interval: sensible at the edges', () => {
    const [lo0, hi0] = wilson(0, 50);
    expect(lo0).toBe(0);
    expect(hi0).toBeCloseTo(0.0713, 3);
    const [lo, hi] = wilson(25, 50);
    expect(lo).toBeCloseTo(0.366, 3);
    expect(hi).toBeCloseTo(0.634, 3);
  });
});
