/**
 * The researcher's settings of `POST /api/training` — state inputs (with
 * tcp_pose, tcp_height), action kind, learning-rate schedule, policy options — over HTTP
 * on a real server on 127.0.0.1: what the defaults offer, a run trained with
 * them (checked in the run's own run.json and metrics.json, and on the job),
 * bad values refused with 400, a code and what was expected, and a vision
 * run without a state given trained on its policy's default (no joint
 * positions).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatasetDir, featuresFor } from '@cellkit/datasets';
import { SYNTHETIC_JOINTS, writeSyntheticEpisode } from '@cellkit/datasets/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAccess } from '../access/AccessPolicy.ts';
import { AuditLog } from '../access/AuditLog.ts';
import { buildApp } from '../server/buildApp.ts';
import { FakeCell } from '../server/testing/FakeCell.ts';
import { FakeControlPort } from '../server/testing/FakeControlPort.ts';
import { SIM_TOOL_OFFSET } from './derivedStateFactory.ts';
import type { TrainingDefaults, TrainingJob } from './trainingApi.ts';

let dir: string;
let policiesDir: string;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cellkit-training-settings-'));
  const datasetsDir = join(dir, 'data');
  policiesDir = join(dir, 'policies');
  const ds = await createDatasetDir(join(datasetsDir, 'reach'), {
    name: 'reach', robot: 'ur', tasks: ['reach'],
    features: featuresFor({ joints: SYNTHETIC_JOINTS, gripper: true, cameras: [] }),
  }, { cache: 'none' });
  for (let k = 0; k < 3; k++) {
    const start = 1_767_225_600 + k * 10;
    const recording = await ds.startEpisode({ task: 'reach', startTime: start });
    await writeSyntheticEpisode(recording.writer, { start, duration: 3, cameras: [], seed: k + 1 });
    await recording.finish({ outcome: 'success' });
  }
  // Two short episodes with one small camera, for the vision (chunk) policy.
  const cam = await createDatasetDir(join(datasetsDir, 'reach-cam'), {
    name: 'reach-cam', robot: 'ur', tasks: ['reach'],
    features: featuresFor({ joints: SYNTHETIC_JOINTS, gripper: true, cameras: [{ name: 'scene', width: 32, height: 24 }] }),
  }, { cache: 'none' });
  for (let k = 0; k < 2; k++) {
    const start = 1_767_225_600 + k * 10;
    const recording = await cam.startEpisode({ task: 'reach', startTime: start });
    await writeSyntheticEpisode(recording.writer, { start, duration: 3, cameras: ['scene'], width: 32, height: 24, seed: k + 1 });
    await recording.finish({ outcome: 'success' });
  }
  const cell = new FakeCell();
  app = buildApp({ cell, control: new FakeControlPort(cell), access: openAccess(), auditLog: AuditLog.inMemory().audit, log: () => {}, training: { datasetsDir, policiesDir } });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
}, 60_000);

afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = async <T>(path: string): Promise<T> => {
  const res = await fetch(`${base}/api${path}`);
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
};
const start = async (body: object): Promise<{ status: number; json: Record<string, unknown> }> => {
  const res = await fetch(`${base}/api/training`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};

describe('training settings for researchers', () => {
  it('the defaults offer the state inputs, action kinds, schedules and each policy\'s options — the CLI\'s defaults', async () => {
    const d = await get<TrainingDefaults>('/training/defaults');
    expect(d.stateInputs).toEqual(['joint_position', 'joint_velocity', 'gripper', 'wrench', 'tcp_pose', 'tcp_height']);
    // Each policy's default state: a policy with images leaves joint positions out.
    expect(d.policies.find((p) => p.name === 'mlp')!.state).toEqual(['joint_position', 'gripper', 'wrench']);
    expect(d.policies.find((p) => p.name === 'chunk')!.state).toEqual(['gripper', 'wrench']);
    expect(d).not.toHaveProperty('state');
    expect(d).toMatchObject({ actions: ['velocity', 'position', 'twist'], action: 'velocity', lrSchedules: ['constant', 'cosine'], lrSchedule: 'constant' });
    expect(d.policies.find((p) => p.name === 'mlp')!.options).toEqual({ hiddenUnits: [256, 256], activation: 'relu', dropout: 0, loss: 'mse' });
    expect(d.policies.find((p) => p.name === 'chunk')!.options).toMatchObject({ horizon: 10, shiftPad: 4, ensembleM: 0.01 });
  });

  it('a run with tcp_pose and tcp_height, position actions, a cosine schedule and a policy option trains with them and saves them', async () => {
    const res = await start({
      dataset: 'reach', policy: 'mlp', name: 'tcp-position', epochs: 2, batchSize: 16, validationFraction: 0,
      state: ['joint_position', 'gripper', 'tcp_pose', 'tcp_height'], action: 'position', lrSchedule: 'cosine', options: { hiddenUnits: [32, 32] },
    });
    expect(res.status, JSON.stringify(res.json)).toBe(202);
    const id = res.json.id as string;
    let job: TrainingJob;
    let running: TrainingJob | undefined;
    for (;;) {
      job = await get<TrainingJob>(`/training/${id}`);
      if (job.state === 'training' && running === undefined) running = job;
      if (job.finishedAt !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(job.error).toBeUndefined();
    expect(job.state).toBe('done');
    const settings = { state: ['joint_position', 'gripper', 'tcp_pose', 'tcp_height'], action: 'position', lrSchedule: 'cosine', learningRate: 0.001, batchSize: 16, options: { hiddenUnits: [32, 32] } };
    expect(job.settings).toEqual(settings);
    if (running) expect(running.settings).toEqual(settings);

    const out = join(policiesDir, 'tcp-position');
    const run = JSON.parse(readFileSync(join(out, 'checkpoints', 'run.json'), 'utf8'));
    expect(run.settings).toMatchObject({ policy: 'mlp', state: ['joint_position', 'gripper', 'tcp_pose', 'tcp_height'], actionTarget: 'position', learningRateSchedule: 'cosine', policyOptions: { hiddenUnits: [32, 32] } });
    // Not given: the CLI's defaults.
    expect(run.settings).toMatchObject({ rate: 10, seed: 0, earlyStoppingPatience: 10 });
    expect(run.kinematics).toEqual({ arm: 'ur5e', toolOffset: SIM_TOOL_OFFSET });
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.settings).toEqual(run.settings);
    expect(metrics.data.stateNames.filter((n: string) => n.startsWith('observation.tcp_pose.'))).toHaveLength(9);
    expect(metrics.data.stateNames.at(-1)).toBe('observation.tcp_height.z');
    expect(metrics.data.actionNames.some((n: string) => n.startsWith('action.position.'))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(out, 'policy.json'), 'utf8'));
    expect(manifest.kinematics).toEqual({ arm: 'ur5e', toolOffset: SIM_TOOL_OFFSET });
  }, 120_000);

  it('bad values: 400 with a code, what was expected and a tip; nothing starts', async () => {
    const cases: [object, string, RegExp][] = [
      [{ state: ['joint_position', 'torque'] }, 'invalid_state', /^state expects a list of joint_position, joint_velocity, gripper, wrench, tcp_pose, tcp_height, got 'joint_position,torque'$/],
      [{ state: [] }, 'invalid_state', /^state expects a list of/],
      [{ state: ['gripper', 'wrench'] }, 'invalid_state', /^state: the mlp policy sees no camera images, so its state needs joint_position \(got gripper, wrench\)$/],
      [{ action: 'torque' }, 'invalid_action', /^action expects one of velocity, position, twist, got 'torque'$/],
      [{ lrSchedule: 'step' }, 'invalid_lr_schedule', /^lrSchedule expects one of constant, cosine, got 'step'$/],
      [{ options: { hiddenUnit: [64] } }, 'invalid_option', /^options: policy 'mlp' has no option 'hiddenUnit'; expected one of hiddenUnits, activation, dropout, loss$/],
      [{ options: { hiddenUnits: 'wide' } }, 'invalid_option', /^options: policy 'mlp': option 'hiddenUnits' expected a list like \[256,256\], found "wide"$/],
      [{ options: { dropout: 1.5 } }, 'invalid_option', /^options: policy 'mlp': option 'dropout' expected \[0, 1\), found 1.5$/],
      [{ options: { horizon: 5 } }, 'invalid_option', /has no option 'horizon'/],
    ];
    for (const [extra, code, message] of cases) {
      const res = await start({ dataset: 'reach', policy: 'mlp', name: 'refused', ...extra });
      expect(res.status, JSON.stringify(extra)).toBe(400);
      expect(res.json.code, JSON.stringify(extra)).toBe(code);
      expect(res.json.message).toMatch(message);
      expect(res.json.tip).toBeTruthy();
    }
    // The chunk policy's options, checked by its own rules.
    const chunk = await start({ dataset: 'reach', policy: 'chunk', name: 'refused', options: { filters: [8], strides: [1, 1] } });
    expect(chunk.status).toBe(400);
    expect(chunk.json).toMatchObject({ code: 'invalid_option' });
    expect(chunk.json.message).toMatch(/expected filters, kernelSizes and strides of equal length/);
    // Wrong shapes are the schema's: 400 invalid_request.
    const shape = await start({ dataset: 'reach', policy: 'mlp', name: 'refused', options: [1, 2] });
    expect(shape.status).toBe(400);
    expect(shape.json.code).toBe('invalid_request');
    expect((await get<{ jobs: TrainingJob[] }>('/training')).jobs.map((j) => j.name)).toEqual(['tcp-position']);
    const mlp = await start({ dataset: 'reach', policy: 'mlp', name: 'refused', state: ['gripper'] });
    expect(mlp.json.tip).toMatch(/needs joint_position, or choose the vision \(chunk\) policy/);
  });

  it('a vision run without a state trains on its policy\'s default: gripper and force, no joint positions', async () => {
    const res = await start({
      dataset: 'reach-cam', policy: 'chunk', name: 'cam-default', epochs: 1, batchSize: 32, validationFraction: 0, horizon: 3, imageSize: [16, 12],
      options: { filters: [4, 8], kernelSizes: [3, 3], strides: [2, 1], shiftPad: 0 },
    });
    expect(res.status, JSON.stringify(res.json)).toBe(202);
    let job: TrainingJob;
    do {
      await new Promise((r) => setTimeout(r, 50));
      job = await get<TrainingJob>(`/training/${res.json.id as string}`);
    } while (job.finishedAt === null);
    expect(job.error).toBeUndefined();
    expect(job.state).toBe('done');
    expect(job.settings!.state).toEqual(['gripper', 'wrench']);
    const out = join(policiesDir, 'cam-default');
    const run = JSON.parse(readFileSync(join(out, 'checkpoints', 'run.json'), 'utf8'));
    expect(run.settings).toMatchObject({ policy: 'chunk', state: ['gripper', 'wrench'] });
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.data.stateNames.length).toBeGreaterThan(0);
    expect(metrics.data.stateNames.some((n: string) => n.startsWith('observation.joint_position.'))).toBe(false);
  }, 120_000);
});
