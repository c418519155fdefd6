/**
 * The Train page's model against a real bridge on loopback (training API
 * over a real data folder; the cell is a fake, training needs none): the
 * form starts from the bridge's defaults, a run is started and followed to
 * the end, the history is refreshed, and refusals become problems with tips.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatasetDir, featuresFor } from '@cellkit/datasets';
import { SYNTHETIC_JOINTS, writeSyntheticEpisode } from '@cellkit/datasets/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, openAccess } from '../../../../bridge/src/access/index.ts';
import { startServer, type RunningServer } from '../../../../bridge/src/server/startServer.ts';
import { FakeCell, FakeControlPort } from '../../../../bridge/src/server/testing/index.ts';
import { TrainingApi } from './TrainingApi.ts';
import { FALLBACK_FORM, TrainingModel, optionsOf, requestOf } from './TrainingModel.ts';
import type { TrainingDefaults } from './TrainingApi.ts';

let dir: string;
let server: RunningServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cellkit-train-model-'));
  const ds = await createDatasetDir(join(dir, 'data', 'reach'), { name: 'reach', robot: 'ur', tasks: ['reach'], features: featuresFor({ joints: SYNTHETIC_JOINTS, gripper: true, cameras: [] }) }, { cache: 'none' });
  for (let k = 0; k < 3; k++) {
    const start = 1_767_225_600 + k * 10;
    const recording = await ds.startEpisode({ task: 'reach', startTime: start });
    await writeSyntheticEpisode(recording.writer, { start, duration: 3, cameras: [], seed: k + 1 });
    await recording.finish({ outcome: 'success' });
  }
  const cell = new FakeCell();
  server = await startServer({
    cell, control: new FakeControlPort(cell), access: openAccess(), auditLog: AuditLog.inMemory().audit, port: 0, log: () => {},
    datasets: { dir: join(dir, 'data') }, training: { datasetsDir: join(dir, 'data'), policiesDir: join(dir, 'policies') },
  });
}, 60_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const model = (): TrainingModel => new TrainingModel({ api: new TrainingApi({ base: `${server.url}/api` }), schedule: (cb) => cb(), pollMs: 20 });

async function until(m: TrainingModel, done: () => boolean): Promise<void> {
  while (!done()) await new Promise<void>((resolve) => {
    const off = m.store.subscribe(() => {
      off();
      resolve();
    });
  });
}

describe('TrainingModel', () => {
  it('requestOf leaves out what a policy does not use', () => {
    expect(requestOf({ ...FALLBACK_FORM, dataset: null })).toBeNull();
    const mlp = requestOf({ ...FALLBACK_FORM, dataset: 'reach', name: '  ' })!;
    expect(mlp).not.toHaveProperty('horizon');
    expect(mlp).not.toHaveProperty('imageSize');
    expect(mlp).not.toHaveProperty('name');
    const chunk = requestOf({ ...FALLBACK_FORM, dataset: 'reach', policy: 'chunk', name: 'mine', imageWidth: 64, imageHeight: 48 })!;
    expect(chunk).toMatchObject({ policy: 'chunk', name: 'mine', horizon: FALLBACK_FORM.horizon, imageSize: [64, 48] });
  });

  it('requestOf sends the inputs as chosen, outputs, schedule and typed options', () => {
    const req = requestOf({
      ...FALLBACK_FORM, dataset: 'reach', state: ['gripper', 'tcp_pose'], action: 'position', lrSchedule: 'cosine',
      options: [{ name: 'hiddenUnits', value: '[64, 64]' }, { name: 'activation', value: 'tanh' }, { name: 'dropout', value: '' }, { name: '', value: '3' }],
    })!;
    expect(req).toMatchObject({ state: ['gripper', 'tcp_pose'], action: 'position', lrSchedule: 'cosine', options: { hiddenUnits: [64, 64], activation: 'tanh' } });
    expect(optionsOf([{ name: 'ensembleM', value: 'null' }, { name: 'sharedEncoder', value: 'true' }])).toEqual({ ensembleM: null, sharedEncoder: true });
    expect(requestOf({ ...FALLBACK_FORM, dataset: 'reach' })).not.toHaveProperty('options');
  });

  it('the inputs follow the kind of skill (the bridge\'s default for each) until the person changes them; resetting follows it again', async () => {
    const m = model();
    await m.refresh();
    const defaults = (await (await fetch(`${server.url}/api/training/defaults`)).json()) as TrainingDefaults;
    expect(defaults.policies.find((p) => p.name === 'chunk')!.state).toEqual(['gripper', 'wrench']);
    expect(m.state.form).toMatchObject({ policy: 'mlp', state: ['joint_position', 'gripper', 'wrench'], stateChosen: false });
    m.setForm({ policy: 'chunk' });
    expect(m.state.form.state).toEqual(['gripper', 'wrench']);
    m.setForm({ policy: 'mlp' });
    expect(m.state.form.state).toEqual(['joint_position', 'gripper', 'wrench']);

    // Chosen by the person: kept across a change of kind.
    m.setForm({ state: ['joint_position', 'gripper', 'wrench', 'tcp_pose'] });
    m.setForm({ policy: 'chunk' });
    expect(m.state.form).toMatchObject({ policy: 'chunk', state: ['joint_position', 'gripper', 'wrench', 'tcp_pose'], stateChosen: true });
    expect(requestOf({ ...m.state.form, dataset: 'reach' })!.state).toEqual(['joint_position', 'gripper', 'wrench', 'tcp_pose']);
    m.resetAdvanced();
    expect(m.state.form).toMatchObject({ policy: 'chunk', state: ['gripper', 'wrench'], stateChosen: false });
    m.close();
  });

  it('the simple skill without joint positions is refused beside the form, saying why', async () => {
    const m = model();
    await m.refresh();
    m.setForm({ state: ['gripper', 'wrench'] });
    await m.start();
    expect(m.state.problem).toBeNull();
    expect(m.state.job).toBeNull();
    expect(m.state.formProblem).toMatchObject({ code: 'invalid_state', severity: 'warning' });
    expect(m.state.formProblem!.message).toBe('Could not start training: state: the mlp policy sees no camera images, so its state needs joint_position (got gripper, wrench)');
    expect(m.state.formProblem!.tip).toMatch(/needs joint_position, or choose the vision \(chunk\) policy/);
    m.close();
  });

  it('a refused setting is shown beside the form with the bridge\'s words; changing the form clears it', async () => {
    const m = model();
    await m.refresh();
    expect(m.state.form).toMatchObject({ state: ['joint_position', 'gripper', 'wrench'], action: 'velocity', lrSchedule: 'constant', options: [] });
    m.setForm({ options: [{ name: 'dropout', value: '2' }] });
    await m.start();
    expect(m.state.problem).toBeNull();
    expect(m.state.formProblem).toMatchObject({ code: 'invalid_option', severity: 'warning' });
    expect(m.state.formProblem!.message).toBe("Could not start training: options: policy 'mlp': option 'dropout' expected [0, 1), found 2");
    m.setForm({ options: [] });
    expect(m.state.formProblem).toBeNull();
    m.close();
  });

  it('loads defaults and the only dataset, trains to the end, refreshes the history; a taken name is a problem with a tip', async () => {
    const m = model();
    await m.refresh();
    const defaults = await (await fetch(`${server.url}/api/training/defaults`)).json();
    expect(m.state.form).toMatchObject({ dataset: 'reach', policy: 'mlp', epochs: defaults.epochs, batchSize: defaults.batchSize, learningRate: defaults.learningRate });
    expect(m.state.policies).toEqual([]);

    m.setForm({ epochs: 2, validationFraction: 0.34 });
    await m.start();
    expect(m.state.problem).toBeNull();
    expect(m.state.job).toMatchObject({ name: 'reach-mlp', epochs: 2 });
    await until(m, () => m.state.job?.finishedAt != null && m.state.policies?.[0]?.status === 'ready');
    expect(m.state.job).toMatchObject({ state: 'done', epochsDone: 2 });
    expect(m.state.notice).toContain('reach-mlp is trained and saved');
    expect(m.state.policies![0]).toMatchObject({ name: 'reach-mlp', status: 'ready', policy: 'mlp', dataset: 'reach', epochs: 2 });

    m.setForm({ name: 'reach-mlp' });
    await m.start();
    expect(m.state.problem).toMatchObject({ code: 'policy_exists', severity: 'warning' });
    expect(m.state.problem!.message).toMatch(/^Could not start training: a policy named "reach-mlp" already exists/);
    expect(m.state.problem!.tip).toMatch(/another name/);
    m.close();
  }, 60_000);

  it('an unreachable bridge is a problem in plain words', async () => {
    const m = new TrainingModel({ api: new TrainingApi({ base: 'http://127.0.0.1:9/api' }), schedule: (cb) => cb() });
    await m.refresh();
    expect(m.state.problem).toMatchObject({ code: 'unreachable', severity: 'error' });
    expect(m.state.datasets).toEqual([]);
    m.close();
  });
});
