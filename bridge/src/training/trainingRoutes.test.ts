/**
 * The Training REST API through `app.inject()` on real folders: a tiny
 * synthetic dataset, real training runs in the worker child process (mlp, a
 * few epochs), bundles written to a temp policies folder.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatasetDir, featuresFor } from '@cellkit/datasets';
import { SYNTHETIC_JOINTS, writeSyntheticEpisode } from '@cellkit/datasets/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAccess, tokenAccess } from '../access/AccessPolicy.ts';
import { AuditLog } from '../access/AuditLog.ts';
import { buildApp } from '../server/buildApp.ts';
import { FakeCell } from '../server/testing/FakeCell.ts';
import { FakeControlPort } from '../server/testing/FakeControlPort.ts';
import type { PolicyListResponse, TrainingDefaults, TrainingJob, TrainingJobList } from './trainingApi.ts';

let dir: string;
let datasetsDir: string;
let policiesDir: string;
let app: FastifyInstance;
let locked: FastifyInstance;
const audit = AuditLog.inMemory();

async function makeDataset(name: string, outcomes: ('success' | 'failure')[]): Promise<void> {
  const ds = await createDatasetDir(join(datasetsDir, name), {
    name, robot: 'ur', tasks: ['reach'],
    features: featuresFor({ joints: SYNTHETIC_JOINTS, gripper: true, cameras: [] }),
  }, { cache: 'none' });
  for (const [k, outcome] of outcomes.entries()) {
    const start = 1_767_225_600 + k * 10;
    const recording = await ds.startEpisode({ task: 'reach', startTime: start });
    await writeSyntheticEpisode(recording.writer, { start, duration: 3, cameras: [], seed: k + 1 });
    await recording.finish({ outcome });
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cellkit-training-api-'));
  datasetsDir = join(dir, 'data');
  policiesDir = join(dir, 'policies');
  await makeDataset('reach', ['success', 'success', 'success', 'success', 'failure']);
  await makeDataset('failures', ['failure', 'failure']);
  const cell = new FakeCell();
  const common = { cell, control: new FakeControlPort(cell), auditLog: audit.audit, log: () => {}, training: { datasetsDir, policiesDir } };
  app = buildApp({ ...common, access: openAccess() });
  locked = buildApp({ ...common, access: tokenAccess({ verify: (t) => (t === 'viewer' ? { role: 'viewer', name: 'wall screen' } : undefined) }) });
  await Promise.all([app.ready(), locked.ready()]);
}, 60_000);

afterAll(async () => {
  await Promise.all([app?.close(), locked?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

const audited = (action: string, result: string): boolean =>
  audit.lines.some((l) => {
    const e = JSON.parse(l) as { action?: string; result?: string };
    return e.action === action && e.result === result;
  });

const get = async <T>(url: string, a = app): Promise<T> => {
  const res = await a.inject({ method: 'GET', url });
  expect(res.statusCode, `GET ${url}: ${res.body}`).toBe(200);
  return res.json() as T;
};
const post = (url: string, payload?: object, a = app) => a.inject({ method: 'POST', url, payload: payload ?? {} });

/** Polls the job until `until` holds (or it ended otherwise); returns every snapshot seen. */
async function follow(id: string, until: (j: TrainingJob) => boolean): Promise<TrainingJob[]> {
  const seen: TrainingJob[] = [];
  for (;;) {
    const job = await get<TrainingJob>(`/api/training/${id}`);
    seen.push(job);
    if (until(job) || job.finishedAt !== null) return seen;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('training runs', () => {
  it('gives the policy types and defaults', async () => {
    const d = await get<TrainingDefaults>('/api/training/defaults');
    expect(d.policies.map((p) => p.name).sort()).toEqual(['chunk', 'mlp']);
    expect(d.policies.find((p) => p.name === 'mlp')!.horizon).toBeNull();
    expect(d.policies.find((p) => p.name === 'chunk')!.horizon).toBeGreaterThan(1);
    expect(d.epochs).toBeGreaterThan(0);
  });

  it('start → progress advances → done: the bundle is in the policies folder and listed', async () => {
    const res = await post('/api/training', { dataset: 'reach', policy: 'mlp', epochs: 3, batchSize: 16, learningRate: 0.003, validationFraction: 0.25 });
    expect(res.statusCode, res.body).toBe(202);
    const started = res.json() as TrainingJob;
    expect(started).toMatchObject({ name: 'reach-mlp', dataset: 'reach', policy: 'mlp', state: 'starting', epochs: 3, trainLoss: [] });
    expect((await get<TrainingJobList>('/api/training')).active).toBe(started.id);

    const seen = await follow(started.id, () => false);
    const end = seen[seen.length - 1]!;
    expect(end.error).toBeUndefined();
    expect(end).toMatchObject({ state: 'done', epochsDone: 3, fraction: 1, etaSec: 0 });
    expect(end.data).toMatchObject({ episodes: [0, 1, 2, 3], rate: 10 });
    expect(end.trainLoss).toHaveLength(3);
    expect(end.valLoss).toHaveLength(3);
    expect(end.valLoss.every((v) => v !== null && Number.isFinite(v))).toBe(true);
    // Progress only moves forward while the job runs.
    const fractions = seen.map((j) => j.fraction);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(seen.some((j) => j.state === 'training' || j.state === 'starting')).toBe(true);

    // The curves served are the ones the run wrote.
    const out = join(policiesDir, 'reach-mlp');
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(end.trainLoss).toEqual(metrics.trainLoss);
    expect(end.valLoss).toEqual(metrics.valLoss);
    for (const f of ['policy.json', 'model.json', 'weights.bin']) expect(existsSync(join(out, f)), f).toBe(true);

    const list = await get<PolicyListResponse>('/api/policies');
    expect(list.problems).toEqual([]);
    const p = list.policies.find((x) => x.name === 'reach-mlp')!;
    expect(p).toMatchObject({ status: 'ready', policy: 'mlp', dataset: 'reach', episodes: [0, 1, 2, 3], rate: 10, epochs: 3, bestValLoss: metrics.bestValLoss, eval: null });
    expect(p.finalTrainLoss).toBe(metrics.trainLoss[2]);
    expect((await get<TrainingJobList>('/api/training')).active).toBeNull();
    expect(audited('training.start', 'accepted')).toBe(true);
  }, 120_000);

  it('lists the evaluation `cellkit eval` wrote beside a bundle', async () => {
    const out = join(policiesDir, 'reach-mlp');
    const evalDoc = { task: 'reach', episodes: 20, seeds: [0, 19], timeout: 20, successes: 17, successRate: 17 / 20, interval95: [0.64, 0.948], meanTimeToSuccess: 6.5, latencyMs: null, results: [], wallTime: 100, createdAt: '2026-11-24T07:00:00.000Z' };
    writeFileSync(join(out, 'eval.json'), JSON.stringify(evalDoc));
    const p = (await get<PolicyListResponse>('/api/policies')).policies.find((x) => x.name === 'reach-mlp')!;
    expect(p.eval).toEqual({ task: 'reach', episodes: 20, successes: 17, successRate: 0.85, interval95: [0.64, 0.948], meanTimeToSuccess: 6.5, createdAt: evalDoc.createdAt });
  });

  it('stop ends after the epoch in progress, keeps it, refuses a second run meanwhile, and the run continues with resume', async () => {
    const res = await post('/api/training', { dataset: 'reach', policy: 'mlp', name: 'long-run', epochs: 5000, batchSize: 8, patience: 0 });
    expect(res.statusCode, res.body).toBe(202);
    const job = res.json() as TrainingJob;

    const busy = await post('/api/training', { dataset: 'reach', policy: 'mlp', epochs: 2 });
    expect(busy.statusCode).toBe(409);
    expect(busy.json()).toMatchObject({ code: 'training_busy' });
    expect(busy.json().tip).toMatch(/wait|stop/);

    const running = await follow(job.id, (j) => j.epochsDone >= 2);
    expect(running[running.length - 1]!.state).toBe('training');
    const stop = await post(`/api/training/${job.id}/stop`);
    expect(stop.statusCode, stop.body).toBe(200);
    expect(stop.json()).toMatchObject({ state: 'stopping', stopRequested: true });

    const seen = await follow(job.id, () => false);
    const end = seen[seen.length - 1]!;
    expect(end).toMatchObject({ state: 'stopped', resumable: true });
    expect(end.epochsDone).toBeGreaterThanOrEqual(2);
    expect(end.epochsDone).toBeLessThan(5000);
    expect(end.trainLoss).toHaveLength(end.epochsDone);
    const out = join(policiesDir, 'long-run');
    expect(existsSync(join(out, 'checkpoints', 'checkpoint.json'))).toBe(true);
    expect(existsSync(join(out, 'policy.json'))).toBe(false);
    const checkpoint = JSON.parse(readFileSync(join(out, 'checkpoints', 'checkpoint.json'), 'utf8'));
    expect(checkpoint.checkpoint.epoch).toBe(end.epochsDone);

    const listed = (await get<PolicyListResponse>('/api/policies')).policies.find((p) => p.name === 'long-run')!;
    expect(listed).toMatchObject({ status: 'stopped', policy: 'mlp', dataset: 'reach', epochs: end.epochsDone });

    // Stopping a job that is not running is refused with a code.
    const again = await post(`/api/training/${job.id}/stop`);
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('not_running');

    // Continue to one more epoch: the curves carry on from the checkpoint.
    const resumed = await post('/api/training/resume', { name: 'long-run', epochs: end.epochsDone + 1 });
    expect(resumed.statusCode, resumed.body).toBe(202);
    const r = resumed.json() as TrainingJob;
    expect(r.trainLoss).toEqual(end.trainLoss);
    const rs = await follow(r.id, () => false);
    const rEnd = rs[rs.length - 1]!;
    expect(rEnd.error).toBeUndefined();
    expect(rEnd).toMatchObject({ state: 'done', epochsDone: end.epochsDone + 1 });
    expect(rEnd.trainLoss.slice(0, end.epochsDone)).toEqual(end.trainLoss);
    expect(rEnd.trainLoss).toHaveLength(end.epochsDone + 1);
    expect(existsSync(join(out, 'policy.json'))).toBe(true);
    expect((await get<PolicyListResponse>('/api/policies')).policies.find((p) => p.name === 'long-run')!.status).toBe('ready');

    const done = await post('/api/training/resume', { name: 'long-run' });
    expect(done.statusCode).toBe(409);
    expect(done.json().code).toBe('already_trained');
  }, 180_000);

  it('a dataset without successful episodes fails with a tip, and its empty folder is removed', async () => {
    const res = await post('/api/training', { dataset: 'failures', policy: 'mlp', epochs: 2 });
    expect(res.statusCode, res.body).toBe(202);
    const job = res.json() as TrainingJob;
    const seen = await follow(job.id, () => false);
    const end = seen[seen.length - 1]!;
    expect(end.state).toBe('failed');
    expect(end.error!.message).toMatch(/no successful episodes/);
    expect(end.error!.tip).toMatch(/Datasets page/);
    expect(end.resumable).toBe(false);
    expect(existsSync(join(policiesDir, 'failures-mlp'))).toBe(false);
  }, 60_000);
});

describe('refusals', () => {
  it('a bad dataset name → 400 invalid_request; an unknown one → 404 dataset_not_found', async () => {
    const bad = await post('/api/training', { dataset: '../etc', policy: 'mlp' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('invalid_request');
    const unknown = await post('/api/training', { dataset: 'nope', policy: 'mlp' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'dataset_not_found' });
    expect(unknown.json().tip).toBeTruthy();
  });

  it('an unknown policy type, a horizon for mlp, a taken name', async () => {
    expect((await post('/api/training', { dataset: 'reach', policy: 'transformer' })).json().code).toBe('invalid_request');
    const horizon = await post('/api/training', { dataset: 'reach', policy: 'mlp', horizon: 5 });
    expect(horizon.statusCode).toBe(400);
    expect(horizon.json().code).toBe('invalid_option');
    const taken = await post('/api/training', { dataset: 'reach', policy: 'mlp', name: 'reach-mlp' });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().code).toBe('policy_exists');
  });

  it('unknown job → 404 job_not_found; unknown run to resume → 404 policy_not_found', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/training/no-such-job' });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('job_not_found');
    const resume = await post('/api/training/resume', { name: 'nothing-here' });
    expect(resume.statusCode).toBe(404);
    expect(resume.json().code).toBe('policy_not_found');
  });

  it('a viewer may read but not start training (403, audited); no token → 401', async () => {
    const auth = { authorization: 'Bearer viewer' };
    const list = await locked.inject({ method: 'GET', url: '/api/policies', headers: auth });
    expect(list.statusCode).toBe(200);
    const start = await locked.inject({ method: 'POST', url: '/api/training', headers: auth, payload: { dataset: 'reach', policy: 'mlp' } });
    expect(start.statusCode).toBe(403);
    expect(start.json().code).toBe('forbidden');
    expect(audited('training.start', 'refused')).toBe(true);
    const anon = await locked.inject({ method: 'GET', url: '/api/training' });
    expect(anon.statusCode).toBe(401);
  });
});
