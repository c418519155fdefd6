import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openDatasetDir } from '@cellkit/datasets';
import { datasetToTrainingData } from '@cellkit/trainer';

import { CELL_LAYOUT } from '../../sim/model/index.ts';
import { AuditLog } from '../access/index.ts';
import { UR5E, forwardKinematics } from '../kinematics/index.ts';
import { tcpPoseState, TCP_POSE_NAMES } from '../policy/tcpPoseState.ts';
import { createDemoCommand } from './demoCommand.ts';
import { createEvalCommand, EVAL_FILE } from './evalCommand.ts';
import { createTrainCommand } from './trainCommand.ts';

// `--state …,tcp_pose` end to end: scripted demos recorded through the sim
// cell, trained through the CLI, run through `cellkit eval` (the runner and
// safety layer on the sim cell, whose tool point is CELL_LAYOUT.tcpOffset).
let dir: string;
let dataset: string;
const TCP = TCP_POSE_NAMES.map((n) => `observation.tcp_pose.${n}`);

function train() {
  const lines: string[] = [];
  const progress: string[] = [];
  const cmd = createTrainCommand({ print: (l) => void lines.push(l), progress: { isTTY: false, write: (t: string) => { progress.push(t); return true; } } });
  return { run: (...argv: string[]) => cmd.run(argv), lines, progress };
}

async function evaluate(bundle: string): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const cmd = createEvalCommand({ auditLog: AuditLog.inMemory().audit, print: (l) => lines.push(l), log: () => undefined });
  const code = await cmd.run(['--policy', bundle, '--task', 'reach', '--episodes', '1', '--seed', '1000', '--timeout', '1']);
  return { code, lines };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cellkit-tcp-pose-'));
  dataset = join(dir, 'reach');
  const demo = createDemoCommand({ auditLog: AuditLog.inMemory().audit, print: () => undefined });
  expect(await demo.run(['--task', 'reach', '--episodes', '2', '--seed', '0', '--cameras', 'none', '--dataset', dataset])).toBe(0);
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('cellkit train --state …,tcp_pose', () => {
  it('trains on the TCP pose of the recorded joints with the sim tool, and the bundle runs in the sim cell', async () => {
    const out = join(dir, 'tcp');
    const t = train();
    // --val 0: every frame is in the normalization statistics, so they can be checked against FK below.
    expect(await t.run('--dataset', dataset, '--policy', 'mlp', '--out', out, '--epochs', '1', '--batch-size', '16', '--val', '0',
      '--state', 'joint_position,gripper,wrench,tcp_pose')).toBe(0);
    expect(t.lines).toContain('  tcp_pose: arm ur5e, tool offset [0, 0, 0.1475] m');

    const manifest = JSON.parse(await readFile(join(out, 'policy.json'), 'utf8'));
    const state: string[] = manifest.inputs.state;
    expect(state.slice(-9)).toEqual(TCP);
    expect(state.slice(0, 6)).toEqual(UR5E.jointNames.map((j) => `observation.joint_position.${j}`));
    expect(manifest.kinematics).toEqual({ arm: 'ur5e', toolOffset: [...CELL_LAYOUT.tcpOffset] });
    expect(manifest.normalization.state.mean).toHaveLength(state.length);

    // The statistics are those of FK(recorded joint positions) with the sim's tool point, frame by frame.
    const { data } = await datasetToTrainingData(await openDatasetDir(dataset, { cache: 'none' }), { cameras: [], state: ['joint_position'] });
    const S = data.stateNames.length;
    const sum = new Array<number>(9).fill(0);
    let rows = 0;
    let lowest = Infinity;
    for (const ep of data.episodes) {
      for (let r = 0; r < ep.length; r++) {
        const { position: p, rotation: R } = forwardKinematics(UR5E, ep.states.subarray(r * S, r * S + 6), CELL_LAYOUT.tcpOffset);
        [p[0], p[1], p[2], R[0]!, R[3]!, R[6]!, R[1]!, R[4]!, R[7]!].forEach((v, c) => (sum[c] += v));
        lowest = Math.min(lowest, p[2]);
        rows++;
      }
    }
    const first = state.indexOf(TCP[0]!);
    sum.forEach((s, c) => expect(manifest.normalization.state.mean[first + c]).toBeCloseTo(s / rows, 5));
    // The sim's world frame is the robot base: the tool point stays above the table top (z = 0).
    expect(lowest).toBeGreaterThan(CELL_LAYOUT.tableTopZ);

    // The runner computes the same inputs from the live joints: finite, so it steps (a NaN input would stop it at step 0).
    const ev = await evaluate(out);
    expect(ev.code).toBe(0);
    const result = JSON.parse(await readFile(join(out, EVAL_FILE), 'utf8'));
    expect(result.results[0].steps).toBeGreaterThan(0);
    expect(result.results[0].stop?.code).not.toBe('bad_observation');
  }, 90_000);

  it('the same provider as the runner: training columns equal tcpPoseState of each frame\'s joints', async () => {
    const ds = await openDatasetDir(dataset, { cache: 'none' });
    const tool: [number, number, number] = [0.01, -0.02, 0.2];
    const { data } = await datasetToTrainingData(ds, { cameras: [], state: ['joint_position', 'tcp_pose'], derivedState: { tcp_pose: tcpPoseState({ arm: 'ur5e', toolOffset: tool }) } });
    expect(data.stateNames.slice(6)).toEqual(TCP);
    const S = data.stateNames.length;
    for (const ep of data.episodes) {
      for (let r = 0; r < ep.length; r++) {
        const { position: p, rotation: R } = forwardKinematics(UR5E, ep.states.subarray(r * S, r * S + 6), tool);
        const want = [p[0], p[1], p[2], R[0]!, R[3]!, R[6]!, R[1]!, R[4]!, R[7]!];
        want.forEach((v, c) => expect(ep.states[r * S + 6 + c]).toBe(Math.fround(v)));
      }
    }
  });

  it('a bundle for another tool or arm is refused by the cell, saying what differs; --resume keeps the run\'s tool', async () => {
    const out = join(dir, 'other-tool');
    let sent = false;
    const cmd = createTrainCommand({
      print: () => undefined,
      progress: { isTTY: false, write: (t: string) => {
        if (!sent && t.startsWith('epoch 1/2 done')) {
          sent = true;
          process.emit('SIGINT');
        }
        return true;
      } },
    });
    expect(await cmd.run(['--dataset', dataset, '--policy', 'mlp', '--out', out, '--epochs', '2', '--batch-size', '16',
      '--state', 'joint_position,tcp_pose', '--tool-offset', '0,0,0.2'])).toBe(130);
    const conflict = train();
    expect(await conflict.run('--dataset', dataset, '--out', out, '--resume', '--tool-offset', '0,0,0.25')).toBe(2);
    expect(conflict.lines.join('\n')).toMatch(/continues a run whose TCP inputs were computed with arm ur5e, tool offset \[0, 0, 0.2\] m; given arm ur5e, tool offset \[0, 0, 0.25\] m/);
    const resumed = train();
    expect(await resumed.run('--dataset', dataset, '--out', out, '--resume')).toBe(0);
    expect(resumed.lines).toContain('  tcp_pose: arm ur5e, tool offset [0, 0, 0.2] m');
    expect(JSON.parse(await readFile(join(out, 'policy.json'), 'utf8')).kinematics).toEqual({ arm: 'ur5e', toolOffset: [0, 0, 0.2] });

    // The sim cell's tool point is 14.75 cm from the flange: refused before anything moves.
    await expect(evaluate(out)).rejects.toThrow(
      /does not fit this cell: policy's TCP pose inputs were computed with tool offset \[0, 0, 0.2\] m, the cell's tool offset is \[0, 0, 0.1475\] m/,
    );
    const ur10 = join(dir, 'other-arm');
    expect(await train().run('--dataset', dataset, '--policy', 'mlp', '--out', ur10, '--epochs', '1', '--state', 'joint_position,tcp_pose', '--arm', 'ur10e')).toBe(0);
    await expect(evaluate(ur10)).rejects.toThrow(/policy's TCP pose inputs were computed for arm model 'ur10e', the cell has 'ur5e'/);
  }, 90_000);

  it('--state …,tcp_height: one column, the tool point\'s z by the same forward kinematics; runs in the sim cell, refused by another arm', async () => {
    const out = join(dir, 'height');
    const t = train();
    expect(await t.run('--dataset', dataset, '--policy', 'mlp', '--out', out, '--epochs', '1', '--batch-size', '16', '--val', '0',
      '--state', 'joint_position,gripper,wrench,tcp_height')).toBe(0);
    expect(t.lines).toContain('  tcp_height: arm ur5e, tool offset [0, 0, 0.1475] m');
    const manifest = JSON.parse(await readFile(join(out, 'policy.json'), 'utf8'));
    const state: string[] = manifest.inputs.state;
    expect(state.at(-1)).toBe('observation.tcp_height.z');
    expect(state.some((n) => n.startsWith('observation.tcp_pose.'))).toBe(false);
    expect(manifest.kinematics).toEqual({ arm: 'ur5e', toolOffset: [...CELL_LAYOUT.tcpOffset] });

    // The statistics are those of FK z of the recorded joints with the sim's tool point.
    const { data } = await datasetToTrainingData(await openDatasetDir(dataset, { cache: 'none' }), { cameras: [], state: ['joint_position'] });
    const S = data.stateNames.length;
    let sum = 0;
    let rows = 0;
    for (const ep of data.episodes) {
      for (let r = 0; r < ep.length; r++, rows++) sum += forwardKinematics(UR5E, ep.states.subarray(r * S, r * S + 6), CELL_LAYOUT.tcpOffset).position[2];
    }
    expect(manifest.normalization.state.mean.at(-1)).toBeCloseTo(sum / rows, 5);
    expect(manifest.normalization.state.std.at(-1)).toBeGreaterThanOrEqual(0.005);

    // The runner computes the height from the live joints: finite, so it steps.
    const ev = await evaluate(out);
    expect(ev.code).toBe(0);
    const result = JSON.parse(await readFile(join(out, EVAL_FILE), 'utf8'));
    expect(result.results[0].steps).toBeGreaterThan(0);
    expect(result.results[0].stop?.code).not.toBe('bad_observation');

    // --arm and --tool-offset apply to tcp_height too; a cell with another arm refuses the bundle before anything moves.
    const ur10 = join(dir, 'height-ur10e');
    const u = train();
    expect(await u.run('--dataset', dataset, '--policy', 'mlp', '--out', ur10, '--epochs', '1', '--state', 'joint_position,tcp_height', '--arm', 'ur10e', '--tool-offset', '0,0,0.2')).toBe(0);
    expect(u.lines).toContain('  tcp_height: arm ur10e, tool offset [0, 0, 0.2] m');
    await expect(evaluate(ur10)).rejects.toThrow(/policy's TCP height inputs were computed for arm model 'ur10e', the cell has 'ur5e'/);
  }, 90_000);

  it('--arm and --tool-offset: checked, and only with tcp_pose', async () => {
    await expect(train().run('--dataset', dataset, '--policy', 'mlp', '--out', join(dir, 'x'), '--state', 'tcp_pose', '--arm', 'kr6')).rejects.toThrow(/--arm expects one of ur3e, ur5e, ur10e, got 'kr6'/);
    await expect(train().run('--dataset', dataset, '--policy', 'mlp', '--out', join(dir, 'x'), '--state', 'tcp_pose', '--tool-offset', '0,0')).rejects.toThrow(/--tool-offset expects x,y,z in metres/);
    await expect(train().run('--dataset', dataset, '--policy', 'mlp', '--out', join(dir, 'x'), '--state', 'gripper', '--tool-offset', '0,0,0.1')).rejects.toThrow(/--tool-offset applies to the tcp_pose and tcp_height state inputs/);
  });
});
