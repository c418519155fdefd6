import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createDatasetDir, featuresFor } from '@cellkit/datasets';
import { SYNTHETIC_JOINTS, writeSyntheticEpisode } from '@cellkit/datasets/testing';
import { checkBundleFits, loadBundle } from '@cellkit/trainer';

import { SIM_TOOL_OFFSET } from '../training/derivedStateFactory.ts';
import { createTrainCommand } from './trainCommand.ts';

let dir: string;
let dataset: string;

/** Episodes of 3 s with one 32×24 camera; outcomes in order. */
async function makeDataset(path: string, outcomes: ('success' | 'failure')[]): Promise<void> {
  const ds = await createDatasetDir(path, {
    name: 'pick', robot: 'ur', tasks: ['pick'],
    features: featuresFor({ joints: SYNTHETIC_JOINTS, gripper: true, cameras: [{ name: 'scene', width: 32, height: 24 }] }),
  }, { cache: 'none' });
  for (const [k, outcome] of outcomes.entries()) {
    const start = 1_767_225_600 + k * 10;
    const recording = await ds.startEpisode({ task: 'pick', startTime: start });
    await writeSyntheticEpisode(recording.writer, { start, duration: 3, cameras: ['scene'], width: 32, height: 24, seed: k + 1 });
    await recording.finish({ outcome });
  }
}

/** The command with its output captured; `onProgress` sees every progress write. */
function command(onProgress?: (text: string) => void) {
  const lines: string[] = [];
  const progress: string[] = [];
  const cmd = createTrainCommand({
    print: (l) => void lines.push(l),
    progress: { isTTY: false, write: (t: string) => { progress.push(t); onProgress?.(t); return true; } },
  });
  return { run: (...argv: string[]) => cmd.run(argv), lines, progress };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cellkit-train-cli-'));
  dataset = join(dir, 'pick');
  await makeDataset(dataset, ['success', 'success', 'success', 'success', 'failure']);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('cellkit train', () => {
  it('mlp: prints the backend, trains, writes a bundle that loads and fits the cell, and metrics.json with falling loss', async () => {
    const out = join(dir, 'mlp');
    const c = command();
    expect(await c.run('--dataset', dataset, '--policy', 'mlp', '--out', out, '--epochs', '3', '--batch-size', '16', '--lr', '0.003', '--val', '0.25')).toBe(0);
    const text = c.lines.join('\n');
    expect(text).toMatch(/^backend: wasm, SIMD, 1 thread — /m);
    expect(text).toMatch(/episodes \[0, 1, 2, 3\] → 4 segment\(s\)/);
    expect(text).toMatch(/skipped: 4 \(outcome failure\)/);
    expect(text).toMatch(/done: 3 epoch\(s\); best val loss [\d.e-]+ at epoch \d/);
    expect(text).toContain(`bundle: ${out}`);
    // Not a TTY: one plain line per epoch, no carriage returns.
    expect(c.progress.filter((t) => /^epoch \d\/3 done {2}loss [\d.e-]+ {2}val [\d.e-]+ {2}\d+ samples\/s {2}ETA/.test(t))).toHaveLength(3);
    expect(c.progress.join('')).not.toContain('\r');

    const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.trainLoss).toHaveLength(3);
    expect(metrics.trainLoss[2]).toBeLessThan(metrics.trainLoss[0]);
    expect(metrics.valLoss.every((v: number | null) => v != null && Number.isFinite(v))).toBe(true);
    expect(metrics.data.datasetHash).toMatch(/^sha256:/);

    const bundle = await loadBundle(out);
    expect(bundle.manifest.dataset).toEqual({ id: 'pick', hash: metrics.data.datasetHash });
    expect(bundle.manifest.inputs.cameras).toEqual([]);
    expect(checkBundleFits(bundle, { profile: 'ur', jointNames: SYNTHETIC_JOINTS, cameras: {} })).toEqual([]);
    expect(checkBundleFits(bundle, { profile: 'ur', jointNames: [...SYNTHETIC_JOINTS].reverse(), cameras: {} })[0]?.code).toBe('joints');
    bundle.model.dispose();
  });

  it('chunk: camera frames at --image-size, --horizon in the bundle', async () => {
    const out = join(dir, 'chunk');
    const c = command();
    expect(await c.run('--dataset', dataset, '--policy', 'chunk', '--out', out, '--epochs', '1', '--image-size', '16x12', '--horizon', '3', '--batch-size', '32',
      '--option', 'strides=[2,1]', '--option', 'filters=[4,8]', '--option', 'kernelSizes=[3,3]', '--option', 'shiftPad=0', '--action', 'position')).toBe(0);
    const bundle = await loadBundle(out);
    // --action position: the joints' outputs are next-step positions, the gripper stays its command.
    expect(bundle.manifest.outputs.action).toEqual([...SYNTHETIC_JOINTS.map((j) => `action.position.${j}`), 'action.gripper']);
    // --option values reach the model: two conv layers of 4 and 8 filters, stride 2 then 1.
    expect(bundle.manifest.policyOptions).toMatchObject({ horizon: 3, strides: [2, 1], filters: [4, 8], kernelSizes: [3, 3], shiftPad: 0 });
    const convs = bundle.model.layers.filter((l) => l.getClassName() === 'Conv2D').map((l) => l.getConfig());
    expect(convs.map((cfg) => [cfg.filters, cfg.strides])).toEqual([[4, [2, 2]], [8, [1, 1]]]);
    expect(bundle.manifest.inputs.cameras).toEqual([{ name: 'scene', shape: [12, 16, 3] }]);
    expect(bundle.manifest.outputs.horizon).toBe(3);
    // No --state: an image policy's default leaves joint positions out (gripper and wrench, as recorded).
    expect(bundle.manifest.inputs.state.some((n) => n.startsWith('observation.joint_position.'))).toBe(false);
    expect(bundle.manifest.inputs.state.length).toBeGreaterThan(0);
    expect(checkBundleFits(bundle, { profile: 'ur', jointNames: SYNTHETIC_JOINTS, cameras: { scene: [12, 16, 3] } })).toEqual([]);
    bundle.model.dispose();
  });

  it('chunk with --state gripper,wrench,tcp_height: the tool point\'s height as the only arm input, with the profile\'s arm and the sim tool', async () => {
    const out = join(dir, 'chunk-height');
    const c = command();
    expect(await c.run('--dataset', dataset, '--policy', 'chunk', '--out', out, '--epochs', '1', '--image-size', '16x12', '--horizon', '2', '--batch-size', '32',
      '--option', 'strides=[2]', '--option', 'filters=[4]', '--option', 'kernelSizes=[3]', '--state', 'gripper,wrench,tcp_height')).toBe(0);
    expect(c.lines).toContain('  tcp_height: arm ur5e, tool offset [0, 0, 0.1475] m');
    const bundle = await loadBundle(out);
    expect(bundle.manifest.inputs.state).toEqual([
      'observation.gripper.finger_joint', ...['force', 'torque'].flatMap((p) => ['x', 'y', 'z'].map((a) => `observation.wrench.${p}.${a}`)), 'observation.tcp_height.z',
    ]);
    expect(bundle.manifest.kinematics).toEqual({ arm: 'ur5e', toolOffset: SIM_TOOL_OFFSET });
    const cell = { profile: 'ur', jointNames: SYNTHETIC_JOINTS, cameras: { scene: [12, 16, 3] as [number, number, 3] } };
    expect(checkBundleFits(bundle, { ...cell, arm: 'ur5e', toolOffset: [0, 0, 0.1475] })).toEqual([]);
    expect(checkBundleFits(bundle, { ...cell, arm: 'ur5e', toolOffset: [0, 0, 0.2] }).map((p) => p.message))
      .toEqual(["policy's TCP height inputs were computed with tool offset [0, 0, 0.1475] m, the cell's tool offset is [0, 0, 0.2] m"]);
    bundle.model.dispose();
  });

  it('a policy without cameras needs joint positions: mlp with --state gripper is refused (exit 2), saying why', async () => {
    const out = join(dir, 'mlp-no-joints');
    const c = command();
    expect(await c.run('--dataset', dataset, '--policy', 'mlp', '--out', out, '--epochs', '1', '--state', 'gripper')).toBe(2);
    expect(c.lines.join('\n')).toMatch(/the mlp policy sees no camera images, so its state needs joint_position \(got gripper\)/);
  });

  it('Ctrl-C stops after the last finished epoch is saved; --resume continues from it with the run\'s settings', async () => {
    const out = join(dir, 'resume');
    let sent = false;
    const listeners = process.listenerCount('SIGINT');
    const first = command((t) => {
      if (!sent && t.startsWith('epoch 2/4 done')) {
        sent = true;
        process.emit('SIGINT');
      }
    });
    expect(await first.run('--dataset', dataset, '--policy', 'mlp', '--out', out, '--epochs', '4', '--batch-size', '8', '--seed', '3')).toBe(130);
    expect(first.lines.join('\n')).toMatch(/stopped; 2 completed epoch\(s\) saved in .*checkpoints; continue with --resume/);
    expect(process.listenerCount('SIGINT')).toBe(listeners);

    // Starting over in the same folder is refused; a conflicting setting on resume too.
    const again = command();
    expect(await again.run('--dataset', dataset, '--policy', 'mlp', '--out', out)).toBe(2);
    expect(again.lines.join('\n')).toMatch(/already holds a training run .*pass --resume/);
    const conflict = command();
    expect(await conflict.run('--dataset', dataset, '--out', out, '--resume', '--seed', '4')).toBe(2);
    expect(conflict.lines.join('\n')).toMatch(/these differ: seed: run has 3, given 4/);

    const resumed = command();
    expect(await resumed.run('--dataset', dataset, '--out', out, '--resume')).toBe(0);
    expect(resumed.lines.join('\n')).toMatch(/policy mlp, 4 epochs, batch 8, lr 0.001, seed 3; resuming after epoch 2/);
    expect(resumed.progress.filter((t) => /done/.test(t)).map((t) => t.slice(0, 14))).toEqual(['epoch 3/4 done', 'epoch 4/4 done']);
    const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.resumedFromEpoch).toBe(2);
    expect(metrics.trainLoss).toHaveLength(4);
  });

  it('--resume of a run started before --state existed keeps the state it was trained on (every recorded group)', async () => {
    const out = join(dir, 'old-run');
    let sent = false;
    const first = command((t) => {
      if (!sent && t.startsWith('epoch 1/2 done')) {
        sent = true;
        process.emit('SIGINT');
      }
    });
    const all = 'joint_position,joint_velocity,gripper,wrench';
    expect(await first.run('--dataset', dataset, '--policy', 'mlp', '--out', out, '--epochs', '2', '--batch-size', '8', '--state', all)).toBe(130);
    // What an older cellkit wrote: no `state` in the run's settings, no `kinematics` (derived inputs did not exist).
    const runFile = join(out, 'checkpoints', 'run.json');
    const run = JSON.parse(await readFile(runFile, 'utf8'));
    expect(run.kinematics).toBeNull();
    delete run.settings.state;
    delete run.kinematics;
    await writeFile(runFile, JSON.stringify(run));
    const resumed = command();
    expect(await resumed.run('--dataset', dataset, '--out', out, '--resume')).toBe(0);
    const policy = JSON.parse(await readFile(join(out, 'policy.json'), 'utf8'));
    expect(policy.inputs.state.some((n: string) => n.startsWith('observation.joint_velocity.'))).toBe(true);
    // "Every recorded group" never includes derived ones.
    expect(policy.inputs.state.some((n: string) => n.startsWith('observation.tcp_pose.'))).toBe(false);
    expect(policy.kinematics).toBeUndefined();
  });

  it('bad input: exit 2 with a clear message', async () => {
    const fails = join(dir, 'fails');
    await makeDataset(fails, ['failure']);
    const c = command();
    expect(await c.run('--dataset', fails, '--policy', 'mlp', '--out', join(dir, 'x'))).toBe(2);
    expect(c.lines.join('\n')).toMatch(/dataset pick has no successful episodes \(found 1 failure\); record some or pass --outcomes success,failure/);

    const missing = command();
    expect(await missing.run('--dataset', join(dir, 'nope'), '--policy', 'mlp', '--out', join(dir, 'y'))).toBe(2);
    expect(missing.lines.join('\n')).toMatch(/expected a dataset folder \(with dataset.json\), found none/);

    await expect(command().run('--dataset', fails, '--policy', 'transformer', '--out', 'z')).rejects.toThrow(/--policy expects one of chunk, mlp, got 'transformer'/);
    await expect(command().run('--dataset', fails, '--policy', 'mlp', '--out', 'z', '--horizon', '4')).rejects.toThrow(/'mlp' predicts one step/);
    await expect(command().run('--dataset', fails, '--policy', 'chunk', '--out', 'z', '--image-size', '96')).rejects.toThrow(/--image-size expects WxH/);
    await expect(command().run('--policy', 'mlp', '--out', 'z')).rejects.toThrow(/--dataset is required/);
    await expect(command().run('--dataset', fails, '--policy', 'chunk', '--out', 'z', '--option', 'hiddenUnit=[64]')).rejects.toThrow(/policy 'chunk' has no option 'hiddenUnit'; expected one of horizon, filters/);
    await expect(command().run('--dataset', fails, '--policy', 'chunk', '--out', 'z', '--option', 'shiftPad=abc')).rejects.toThrow(/--option: policy 'chunk': option 'shiftPad' expected a number like 4, found "abc"/);
    await expect(command().run('--dataset', fails, '--policy', 'chunk', '--out', 'z', '--option', 'shiftPad=-1')).rejects.toThrow(/--option: policy 'chunk': option 'shiftPad' expected an integer ≥ 0, found -1/);
    await expect(command().run('--dataset', fails, '--policy', 'chunk', '--out', 'z', '--option', 'shiftPad')).rejects.toThrow(/--option expects name=value/);
    await expect(command().run('--dataset', fails, '--policy', 'mlp', '--out', 'z', '--state', 'joint_position,torque')).rejects.toThrow(/--state expects a list of joint_position, joint_velocity, gripper, wrench, tcp_pose, tcp_height, got 'joint_position,torque'/);
    await expect(command().run('--dataset', fails, '--policy', 'chunk', '--out', 'z', '--action', 'torque')).rejects.toThrow(/--action expects one of velocity, position, twist, got 'torque'/);
    await expect(command().run('--dataset', fails, '--policy', 'chunk', '--out', 'z', '--lr-schedule', 'step')).rejects.toThrow(/--lr-schedule expects one of constant, cosine, got 'step'/);
  });
});
