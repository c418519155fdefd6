/**
 * The job service on its own: closing it (the bridge shutting down) while a
 * run is going ends the child process at its next step with the finished
 * epochs kept, and a run whose process dies is reported as failed with a tip.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatasetDir, featuresFor } from '@cellkit/datasets';
import { SYNTHETIC_JOINTS, writeSyntheticEpisode } from '@cellkit/datasets/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainingJobs } from './TrainingJobs.ts';

let dir: string;
let datasetDir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cellkit-training-jobs-'));
  datasetDir = join(dir, 'reach');
  const ds = await createDatasetDir(datasetDir, { name: 'reach', robot: 'ur', tasks: ['reach'], features: featuresFor({ joints: SYNTHETIC_JOINTS, gripper: true, cameras: [] }) }, { cache: 'none' });
  for (let k = 0; k < 3; k++) {
    const start = 1_767_225_600 + k * 10;
    const recording = await ds.startEpisode({ task: 'reach', startTime: start });
    await writeSyntheticEpisode(recording.writer, { start, duration: 3, cameras: [], seed: k + 1 });
    await recording.finish({ outcome: 'success' });
  }
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 20));
}

describe('TrainingJobs', () => {
  it('close() during a run ends it at the next step; the finished epochs stay in the checkpoint', async () => {
    const jobs = new TrainingJobs();
    const out = join(dir, 'closing');
    const job = await jobs.start({ name: 'closing', dataset: 'reach', datasetDir, out, policy: 'mlp', settings: { policy: 'mlp', epochs: 5000, batchSize: 8, earlyStoppingPatience: 0 }, resume: false });
    await until(() => jobs.get(job.id).epochsDone >= 2);
    await jobs.close();
    const end = jobs.get(job.id);
    expect(end.state).toBe('stopped');
    expect(end.epochsDone).toBeGreaterThanOrEqual(2);
    expect(end.epochsDone).toBeLessThan(5000);
    expect(jobs.activeId).toBeNull();
    const checkpoint = JSON.parse(readFileSync(join(out, 'checkpoints', 'checkpoint.json'), 'utf8'));
    expect(checkpoint.checkpoint.epoch).toBe(end.epochsDone);
    expect(existsSync(join(out, 'policy.json'))).toBe(false);
  }, 120_000);

  it('a worker that cannot start is a failed job with what it said and a tip', async () => {
    const jobs = new TrainingJobs({ execArgv: ['--no-such-node-flag'] });
    const job = await jobs.start({ name: 'broken', dataset: 'reach', datasetDir, out: join(dir, 'broken'), policy: 'mlp', settings: { policy: 'mlp', epochs: 1 }, resume: false });
    await jobs.settle();
    const end = jobs.get(job.id);
    expect(end.state).toBe('failed');
    expect(end.error!.message).toMatch(/^Training failed: the training process exited with code \d+ before it finished: .*no-such-node-flag/);
    expect(end.error!.tip).toMatch(/cellkit train/);
    expect(jobs.activeId).toBeNull();
  });
});
