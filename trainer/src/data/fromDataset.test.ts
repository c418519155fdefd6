import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatasetDir, featuresFor, openDatasetDir } from '@cellkit/datasets';
import type { Dataset } from '@cellkit/datasets';
import { SYNTHETIC_JOINTS, syntheticCommand, syntheticPosition, writeSyntheticEpisode } from '@cellkit/datasets/testing';
import type { SyntheticEpisodeOptions } from '@cellkit/datasets/testing';
import type { DerivedAction, DerivedState } from './derivedState.ts';
import { DatasetSelectionError, datasetToTrainingData } from './fromDataset.ts';
import { computeStats, stdFloor } from './Normalization.ts';
import { validateTrainingData } from './TrainingData.ts';

const START = 1_767_225_600;
let dir: string;

/** Episodes 2 s long, one 32×24 camera; outcome per episode; optional per-episode camera dropout. */
async function makeDataset(name: string, outcomes: ('success' | 'failure' | 'discard')[], extra: Partial<SyntheticEpisodeOptions>[] = []): Promise<Dataset> {
  const dataset = await createDatasetDir(join(dir, name), {
    name, robot: 'ur', tasks: ['push'],
    features: featuresFor({ joints: SYNTHETIC_JOINTS, gripper: true, cameras: [{ name: 'scene', width: 32, height: 24 }] }),
  }, { cache: 'memory' });
  for (const [k, outcome] of outcomes.entries()) {
    const start = START + k * 10;
    const recording = await dataset.startEpisode({ task: 'push', startTime: start });
    await writeSyntheticEpisode(recording.writer, { start, duration: 2, cameras: ['scene'], width: 32, height: 24, seed: k + 1, ...extra[k] });
    await recording.finish({ outcome });
  }
  return dataset;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cellkit-fromdataset-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('datasetToTrainingData', () => {
  it('aligns successful episodes to the policy rate: named state/action columns, resized frames, no NaN', async () => {
    const dataset = await makeDataset('pick', ['success', 'failure', 'success']);
    const { data, report } = await datasetToTrainingData(dataset, { rate: 10, imageSize: [16, 12] });
    validateTrainingData(data, ['scene']);
    expect(report.episodesSelected).toEqual([0, 2]);
    expect(report.episodesSkipped).toEqual([{ episode: 1, reason: 'outcome failure' }]);
    expect(data.episodes).toHaveLength(2);
    expect(data.stateNames).toEqual([
      ...SYNTHETIC_JOINTS.map((j) => `observation.joint_position.${j}`),
      ...SYNTHETIC_JOINTS.map((j) => `observation.joint_velocity.${j}`),
      'observation.gripper.finger_joint',
      ...['force.x', 'force.y', 'force.z', 'torque.x', 'torque.y', 'torque.z'].map((n) => `observation.wrench.${n}`),
    ]);
    expect(data.actionNames).toEqual([...SYNTHETIC_JOINTS.map((j) => `action.${j}`), 'action.gripper']);
    expect(data.imageShapes).toEqual({ scene: [12, 16, 3] });
    expect(data).toMatchObject({ rate: 10, robotProfile: 'ur', jointNames: SYNTHETIC_JOINTS, datasetId: 'pick' });
    expect(data.datasetHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    for (const ep of data.episodes) {
      expect(ep.length).toBeGreaterThanOrEqual(18);
      expect(ep.states.every(Number.isFinite) && ep.actions.every(Number.isFinite)).toBe(true);
      expect(ep.images!.scene.some((v) => v > 0)).toBe(true);
    }
    // Values are the recorded signals at the aligned frame times (zero-order hold of the 500 / 125 Hz streams).
    const aligned = await dataset.readAligned(0, { rate: 10, cameras: ['scene'], imageSize: { width: 16, height: 12 } });
    const seg = report.segments[0];
    const t = aligned.timestamps[seg.start] - START;
    const ep = data.episodes[0];
    expect(ep.states[0]).toBeCloseTo(syntheticPosition(0, t), 2);
    expect(ep.actions[1]).toBeCloseTo(syntheticCommand(1, t), 1);
    const { frames } = report;
    expect(frames.used).toBe(data.episodes.reduce((s, e) => s + e.length, 0));
    expect(frames.total).toBe(frames.used + frames.droppedAtEdges + frames.droppedInside + frames.droppedShortSegments);
  });

  it('uses only the state groups asked for, with the same values; joint positions only when asked for', async () => {
    const dataset = await makeDataset('groups', ['success']);
    const all = await datasetToTrainingData(dataset, { rate: 10, cameras: [] });
    const some = await datasetToTrainingData(dataset, { rate: 10, cameras: [], state: ['joint_position', 'gripper'] });
    expect(some.data.stateNames).toEqual([...SYNTHETIC_JOINTS.map((j) => `observation.joint_position.${j}`), 'observation.gripper.finger_joint']);
    const width = some.data.stateNames.length;
    const fullWidth = all.data.stateNames.length;
    const gripperCol = all.data.stateNames.indexOf('observation.gripper.finger_joint');
    const [a, b] = [all.data.episodes[0], some.data.episodes[0]];
    expect(b.length).toBe(a.length);
    for (let i = 0; i < a.length; i++) {
      for (let j = 0; j < SYNTHETIC_JOINTS.length; j++) expect(b.states[i * width + j]).toBe(a.states[i * fullWidth + j]);
      expect(b.states[i * width + width - 1]).toBe(a.states[i * fullWidth + gripperCol]);
    }
    // Without joint positions (the default for image policies): only the gripper, same values.
    const gripperOnly = await datasetToTrainingData(dataset, { rate: 10, cameras: [], state: ['gripper'] });
    expect(gripperOnly.data.stateNames).toEqual(['observation.gripper.finger_joint']);
    const c = gripperOnly.data.episodes[0];
    for (let i = 0; i < a.length; i++) expect(c.states[i]).toBe(a.states[i * fullWidth + gripperCol]);
    await expect(datasetToTrainingData(dataset, { state: ['joint_speed' as never] })).rejects.toThrow(/expected some of joint_position, joint_velocity, gripper, wrench, tcp_pose, tcp_height, found joint_speed/);
  });

  it('tcp_pose: columns computed by the injected provider from each frame\'s joint positions, after the recorded ones, with normalization stats', async () => {
    const dataset = await makeDataset('tcp', ['success', 'success']);
    // A stand-in for forward kinematics (the bridge supplies the real one): distinct, nonlinear values per column.
    const calls: number[][] = [];
    const fk = (q: ArrayLike<number>): number[] => [
      Math.cos(q[0]) * 0.5, Math.sin(q[0]) * 0.5, 0.2 + 0.1 * q[1] * q[2],
      Math.cos(q[3]), Math.sin(q[3]), 0, -Math.sin(q[4]), Math.cos(q[4]), 0.001 * q[5],
    ];
    const tcp: DerivedState = {
      names: ['x', 'y', 'z', 'x_axis.x', 'x_axis.y', 'x_axis.z', 'y_axis.x', 'y_axis.y', 'y_axis.z'],
      jointCount: 6,
      compute: (q, out, offset) => {
        calls.push(Array.from(q));
        fk(q).forEach((v, i) => { out[offset + i] = v; });
      },
      kinematics: { arm: 'ur5e', toolOffset: [0, 0, 0.1475] },
    };
    const { data } = await datasetToTrainingData(dataset, { rate: 10, cameras: [], state: ['joint_position', 'gripper', 'tcp_pose'], derivedState: { tcp_pose: tcp } });
    const tcpNames = tcp.names.map((n) => `observation.tcp_pose.${n}`);
    expect(data.stateNames).toEqual([
      ...SYNTHETIC_JOINTS.map((j) => `observation.joint_position.${j}`), 'observation.gripper.finger_joint', ...tcpNames,
    ]);
    expect(data.kinematics).toEqual({ arm: 'ur5e', toolOffset: [0, 0, 0.1475] });
    const S = data.stateNames.length;
    const first = data.stateNames.indexOf(tcpNames[0]);
    let rows = 0;
    for (const ep of data.episodes) {
      for (let t = 0; t < ep.length; t++) {
        const q = ep.states.subarray(t * S, t * S + 6);
        const want = fk(q);
        for (let c = 0; c < 9; c++) expect(ep.states[t * S + first + c]).toBe(Math.fround(want[c]));
        rows++;
      }
    }
    expect(calls).toHaveLength(rows);
    expect(calls.every((q) => q.length === 6)).toBe(true);
    // Normalization covers the new columns like any other, with the TCP floors (m for position, unit axes for orientation).
    const stats = computeStats(data.episodes.map((e) => e.states), S, data.stateNames);
    expect(stats.mean).toHaveLength(S);
    expect(stats.mean[first + 2]).toBeGreaterThan(0.1);
    expect(stats.std[first + 5]).toBe(stdFloor('observation.tcp_pose.x_axis.z'));
    expect(stdFloor('observation.tcp_pose.z')).toBe(0.005);
    expect(stdFloor('observation.tcp_pose.y_axis.x')).toBe(0.01);
    expect(stdFloor('observation.tcp_height.z')).toBe(0.005);

    // Without a provider: a clear refusal, not a silent drop. With the wrong joint count: says both counts.
    await expect(datasetToTrainingData(dataset, { cameras: [], state: ['tcp_pose'] })).rejects.toThrow(DatasetSelectionError);
    await expect(datasetToTrainingData(dataset, { cameras: [], state: ['tcp_pose'] })).rejects.toThrow(/state group tcp_pose is computed from the joint positions by forward kinematics, and no provider for it was given/);
    await expect(datasetToTrainingData(dataset, { cameras: [], state: ['tcp_pose'], derivedState: { tcp_pose: { ...tcp, jointCount: 7 } } }))
      .rejects.toThrow(/arm model ur5e has 7 joints, the dataset records 6/);
    // Not asked for (the default, and every recorded group): no derived columns, no kinematics.
    const plain = await datasetToTrainingData(dataset, { cameras: [], derivedState: { tcp_pose: tcp } });
    expect(plain.data.stateNames.some((n) => n.includes('tcp_pose'))).toBe(false);
    expect(plain.data.kinematics).toBeUndefined();
  });

  it('position targets: each joint\'s action is its measured position one policy step later (held at the end); the gripper stays the command', async () => {
    const dataset = await makeDataset('targets', ['success']);
    const vel = await datasetToTrainingData(dataset, { rate: 10, cameras: [] });
    const pos = await datasetToTrainingData(dataset, { rate: 10, cameras: [], actionTarget: 'position' });
    expect(pos.data.actionNames).toEqual([...SYNTHETIC_JOINTS.map((j) => `action.position.${j}`), 'action.gripper']);
    const [v, p] = [vel.data.episodes[0], pos.data.episodes[0]];
    const S = pos.data.stateNames.length;
    const A = pos.data.actionNames.length;
    const J = SYNTHETIC_JOINTS.length;
    expect(p.length).toBe(v.length);
    for (let t = 0; t < p.length; t++) {
      const next = Math.min(t + 1, p.length - 1);
      for (let j = 0; j < J; j++) expect(p.actions[t * A + j]).toBe(p.states[next * S + j]);
      expect(p.actions[t * A + J]).toBe(v.actions[t * A + J]);
    }
    await expect(datasetToTrainingData(dataset, { cameras: [], actionTarget: 'acceleration' as never })).rejects.toThrow(/action target: expected one of velocity, position, twist, found acceleration/);
  });

  it('twist: 6 columns J(q)·q̇ from the injected provider at each frame\'s measured joints and recorded joint commands, then the gripper command', async () => {
    const dataset = await makeDataset('twist', ['success', 'success']);
    // A stand-in for the TCP Jacobian (the bridge supplies the real one): a q-dependent 6×6 matrix, so a
    // wrong frame, joint order or command column gives other values.
    const jac = (q: ArrayLike<number>): number[][] => Array.from({ length: 6 }, (_, r) => Array.from({ length: 6 }, (_, c) => Math.cos(q[c] * (r + 1)) + (r === c ? 2 : 0)));
    const mul = (q: ArrayLike<number>, qd: ArrayLike<number>): number[] => jac(q).map((row) => row.reduce((s, v, c) => s + v * qd[c], 0));
    const twist: DerivedAction = {
      names: ['vx', 'vy', 'vz', 'wx', 'wy', 'wz'],
      jointCount: 6,
      compute: (q, qd, out, offset) => mul(q, qd).forEach((v, i) => { out[offset + i] = v; }),
      kinematics: { arm: 'ur5e', toolOffset: [0, 0, 0.1475] },
    };
    const vel = await datasetToTrainingData(dataset, { rate: 10, cameras: [] });
    const { data } = await datasetToTrainingData(dataset, { rate: 10, cameras: [], actionTarget: 'twist', derivedState: { twist } });
    validateTrainingData(data);
    expect(data.actionNames).toEqual([...twist.names.map((n) => `action.twist.${n}`), 'action.gripper']);
    expect(data.kinematics).toEqual({ arm: 'ur5e', toolOffset: [0, 0, 0.1475] });
    expect(data.stateNames).toEqual(vel.data.stateNames);
    const S = data.stateNames.length;
    const A = data.actionNames.length;
    const J = SYNTHETIC_JOINTS.length;
    let moving = 0;
    data.episodes.forEach((ep, e) => {
      const v = vel.data.episodes[e];
      expect(ep.length).toBe(v.length);
      for (let t = 0; t < ep.length; t++) {
        // q: this frame's joint positions (state columns 0..5); q̇: this frame's recorded commands (velocity actions 0..5).
        const want = mul(ep.states.subarray(t * S, t * S + J), v.actions.subarray(t * (J + 1), t * (J + 1) + J));
        for (let c = 0; c < 6; c++) expect(ep.actions[t * A + c]).toBe(Math.fround(want[c]));
        expect(ep.actions[t * A + 6]).toBe(v.actions[t * (J + 1) + J]);
        if (want.some((x) => Math.abs(x) > 1e-3)) moving++;
      }
    });
    expect(moving).toBeGreaterThan(10);
    // Normalization with the twist floors (m/s for linear, rad/s for angular).
    expect(stdFloor('action.twist.vy')).toBe(0.005);
    expect(stdFloor('action.twist.wz')).toBe(0.02);
    const stats = computeStats(data.episodes.map((e) => e.actions), A, data.actionNames);
    expect(stats.std.every((x) => x >= 0.005)).toBe(true);

    // Without a provider: refused, saying what computes it; with the wrong joint count: both counts.
    await expect(datasetToTrainingData(dataset, { cameras: [], actionTarget: 'twist' })).rejects.toThrow(DatasetSelectionError);
    await expect(datasetToTrainingData(dataset, { cameras: [], actionTarget: 'twist' })).rejects.toThrow(/action twist is computed from the joint positions and the recorded joint velocity commands .* no provider for it was given/);
    await expect(datasetToTrainingData(dataset, { cameras: [], actionTarget: 'twist', derivedState: { twist: { ...twist, jointCount: 7 } } }))
      .rejects.toThrow(/action twist: the arm model ur5e has 7 joints, the dataset records 6/);
    // tcp_pose and twist from providers with different tools: refused (policy.json holds one arm and tool).
    const tcp: DerivedState = { names: ['x'], jointCount: 6, compute: (q, out, o) => { out[o] = q[0]; }, kinematics: { arm: 'ur5e', toolOffset: [0, 0, 0.2] } };
    await expect(datasetToTrainingData(dataset, { cameras: [], state: ['tcp_pose'], actionTarget: 'twist', derivedState: { twist, tcp_pose: tcp } }))
      .rejects.toThrow(/computed with two arm models or tools/);
    // Not asked for: the provider is ignored, the actions are the recorded commands.
    const plain = await datasetToTrainingData(dataset, { cameras: [], derivedState: { twist } });
    expect(plain.data.actionNames).toEqual(vel.data.actionNames);
    expect(plain.data.kinematics).toBeUndefined();
  });

  it('splits an episode at a camera gap instead of inventing frames, and counts what it dropped', async () => {
    const dataset = await makeDataset('gap', ['success'], [{ cameraDropout: { name: 'scene', from: 0.75, to: 1.15 } }]);
    const withCamera = await datasetToTrainingData(dataset, { rate: 10, imageSize: [16, 12] });
    expect(withCamera.report.segments).toHaveLength(2);
    const { frames } = withCamera.report;
    expect(frames.droppedInside).toBeGreaterThanOrEqual(3);
    expect(frames.invalidBy['observation.images.scene']).toBe(frames.droppedInside + frames.droppedAtEdges);
    const [a, b] = withCamera.report.segments;
    expect(b.start).toBe(a.start + a.length + frames.droppedInside);

    // State only: the camera gap does not matter, one segment.
    const stateOnly = await datasetToTrainingData(dataset, { rate: 10, cameras: [] });
    expect(stateOnly.report.segments).toHaveLength(1);
    expect(stateOnly.data.imageShapes).toBeUndefined();
    expect(stateOnly.data.episodes[0].images).toBeUndefined();
    expect(stateOnly.report.frames.used).toBeGreaterThan(withCamera.report.frames.used);
  });

  it('hashes the bytes of the episodes used: stable, and different for another selection', async () => {
    const dataset = await openDatasetDir(join(dir, 'pick'), { cache: 'memory', recover: false });
    const a = await datasetToTrainingData(dataset, { cameras: [] });
    const b = await datasetToTrainingData(dataset, { cameras: [] });
    const c = await datasetToTrainingData(dataset, { cameras: [], outcomes: ['success', 'failure'] });
    expect(a.report.datasetHash).toBe(b.report.datasetHash);
    expect(c.report.datasetHash).not.toBe(a.report.datasetHash);
    expect(c.data.episodes).toHaveLength(3);
  });

  it('says what it found when no episode has the wanted outcome, and rejects unknown cameras', async () => {
    const dataset = await makeDataset('fails', ['failure', 'discard']);
    await expect(datasetToTrainingData(dataset)).rejects.toThrow(
      /dataset fails has no successful episodes \(found 1 failure, 1 discard\); record some or pass --outcomes success,failure/,
    );
    await expect(datasetToTrainingData(dataset, { outcomes: ['failure'], cameras: ['wrist'] })).rejects.toThrow(/no camera 'wrist'; it records \[scene\]/);
    await expect(datasetToTrainingData(dataset, { episodes: [7] })).rejects.toThrow(/no episode 7; it has \[0, 1\]/);
  });
});
