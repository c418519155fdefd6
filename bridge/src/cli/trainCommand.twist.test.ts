import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openDatasetDir } from '@cellkit/datasets';
import { datasetToTrainingData } from '@cellkit/trainer';

import { CELL_LAYOUT } from '../../sim/model/index.ts';
import { AuditLog } from '../access/index.ts';
import { twistToJointVelocities } from '../control/twistToJointVelocities.ts';
import { UR5E, jacobian, manipulability } from '../kinematics/index.ts';
import { TWIST_NAMES, twistAction } from '../policy/twistAction.ts';
import { createDemoCommand } from './demoCommand.ts';
import { createEvalCommand, EVAL_FILE } from './evalCommand.ts';
import { createTrainCommand } from './trainCommand.ts';

// `--action twist` end to end: scripted (Cartesian) demos recorded through the
// sim cell, trained through the CLI with tcp_pose inputs, run through
// `cellkit eval` (the runner turns twists into joint velocities, the safety
// layer passes them; the sim's tool point is CELL_LAYOUT.tcpOffset).
let dir: string;
let dataset: string;
const TOOL: [number, number, number] = [...CELL_LAYOUT.tcpOffset];
const TWIST = TWIST_NAMES.map((n) => `action.twist.${n}`);

function train() {
  const lines: string[] = [];
  const cmd = createTrainCommand({ print: (l) => void lines.push(l), progress: { isTTY: false, write: () => true } });
  return { run: (...argv: string[]) => cmd.run(argv), lines };
}

async function evaluate(bundle: string): Promise<number> {
  const cmd = createEvalCommand({ auditLog: AuditLog.inMemory().audit, print: () => undefined, log: () => undefined });
  return cmd.run(['--policy', bundle, '--task', 'reach', '--episodes', '1', '--seed', '1000', '--timeout', '1']);
}

/** The recorded frames: joint positions q and the joint commands actually sent q̇ (velocity actions), per row. */
async function recordedFrames(): Promise<{ q: number[]; qd: number[] }[]> {
  const { data } = await datasetToTrainingData(await openDatasetDir(dataset, { cache: 'none' }), { cameras: [], state: ['joint_position'] });
  const S = data.stateNames.length;
  const A = data.actionNames.length;
  expect(data.actionNames.slice(0, 6)).toEqual(UR5E.jointNames.map((j) => `action.${j}`));
  return data.episodes.flatMap((ep) => Array.from({ length: ep.length }, (_, t) => ({
    q: Array.from(ep.states.subarray(t * S, t * S + 6)),
    qd: Array.from(ep.actions.subarray(t * A, t * A + 6)),
  })));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cellkit-twist-'));
  dataset = join(dir, 'reach');
  const demo = createDemoCommand({ auditLog: AuditLog.inMemory().audit, print: () => undefined });
  expect(await demo.run(['--task', 'reach', '--episodes', '2', '--seed', '0', '--cameras', 'none', '--dataset', dataset])).toBe(0);
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('cellkit train --action twist', () => {
  it('trains on J(q)·q̇ of the recorded commands with the sim tool, and the bundle runs in the sim cell', async () => {
    const out = join(dir, 'twist');
    const t = train();
    // --val 0: every frame is in the normalization statistics, so they can be checked against J·q̇ below.
    expect(await t.run('--dataset', dataset, '--policy', 'mlp', '--out', out, '--epochs', '1', '--batch-size', '16', '--val', '0',
      '--action', 'twist', '--state', 'joint_position,gripper,wrench,tcp_pose')).toBe(0);

    const manifest = JSON.parse(await readFile(join(out, 'policy.json'), 'utf8'));
    expect(manifest.outputs.action).toEqual([...TWIST, 'action.gripper']);
    expect(manifest.kinematics).toEqual({ arm: 'ur5e', toolOffset: TOOL });
    expect(JSON.parse(await readFile(join(out, 'checkpoints', 'run.json'), 'utf8')).settings.actionTarget).toBe('twist');

    // The action statistics are those of J(q)·q̇ (sim tool) over the recorded frames.
    const frames = await recordedFrames();
    const sum = new Array<number>(6).fill(0);
    for (const { q, qd } of frames) {
      jacobian(UR5E, q, TOOL).forEach((row, r) => (sum[r] += row.reduce((s, x, j) => s + x * qd[j]!, 0)));
    }
    sum.forEach((s, r) => expect(manifest.normalization.action.mean[r]).toBeCloseTo(s / frames.length, 5));
    // The reach expert moves the tool: its linear speeds are no floor.
    expect(Math.max(...manifest.normalization.action.std.slice(0, 3))).toBeGreaterThan(0.005);

    // Loads on the sim cell (arm and tool match) and steps: finite outputs turned into commands.
    expect(await evaluate(out)).toBe(0);
    const result = JSON.parse(await readFile(join(out, EVAL_FILE), 'utf8'));
    expect(result.results[0].steps).toBeGreaterThan(0);
    expect(result.results[0].stop?.code ?? '').not.toMatch(/bad_observation|non_finite_output|safety_/);
  }, 120_000);

  it('loses nothing: for the expert\'s recorded commands, DLS(J, J·q̇) = q̇ away from singularities', async () => {
    const provider = twistAction({ arm: 'ur5e', toolOffset: TOOL });
    const label = new Float32Array(6);
    let checked = 0;
    let worst = 0;
    const frames = await recordedFrames();
    for (const { q, qd } of frames) {
      // Below this manipulability DLS damps (dampedLeastSquares' default threshold): not an inverse there, by design.
      if (manipulability(jacobian(UR5E, q, TOOL)) < 0.01) continue;
      provider.compute(q, qd, label, 0);
      const back = twistToJointVelocities(UR5E, q, { linear: [label[0]!, label[1]!, label[2]!], angular: [label[3]!, label[4]!, label[5]!], frame: 'base' }, TOOL);
      worst = Math.max(worst, ...back.map((v, j) => Math.abs(v - qd[j]!)));
      checked++;
    }
    console.log(`[twist] round trip on ${checked} of ${frames.length} recorded frames (the rest near a singularity): worst |DLS(J, J·q̇) − q̇| ${worst.toExponential(2)} rad/s`);
    expect(checked).toBeGreaterThan(20);
    // Float32 labels: back to the command within 1e-4 rad/s (commands are up to ~1 rad/s).
    expect(worst).toBeLessThan(1e-4);
  });

  it('refused without the provider (no arm model to compute labels with); an unknown --action names twist among the choices', async () => {
    await expect(datasetToTrainingData(await openDatasetDir(dataset, { cache: 'none' }), { cameras: [], actionTarget: 'twist' }))
      .rejects.toThrow(/action twist is computed from the joint positions .* no provider for it was given/);
    const bad = train();
    await expect(bad.run('--dataset', dataset, '--policy', 'mlp', '--out', join(dir, 'x'), '--action', 'spin')).rejects.toThrow(/--action expects one of velocity, position, twist, got 'spin'/);
  });
});
