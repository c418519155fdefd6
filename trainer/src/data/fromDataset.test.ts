import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatasetDir, featuresFor, openDatasetDir } from '@cellkit/datasets';
import type { Dataset } from '@cellkit/datasets';
import { SYNTHETIC_JOINTS, syntheticCommand, syntheticPosition, writeSyntheticEpisode } from '@cellkit/datasets/testing';
import type { SyntheticEpisodeOptions } from '@cellkit/datasets/testing';
import { datasetToTrainingData } from './fromDataset.ts';
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

  it('uses only the state groups asked for (joint positions always), with the same values', async () => {
    const dataset = await makeDataset('groups', ['success']);
    const all = await datasetToTrainingData(dataset, { rate: 10, cameras: [] });
    const some = await datasetToTrainingData(dataset, { rate: 10, cameras: [], state: ['gripper'] });
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
    await expect(datasetToTrainingData(dataset, { state: ['joint_speed' as never] })).rejects.toThrow(/expected some of joint_position, joint_velocity, gripper, wrench, found joint_speed/);
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
    await expect(datasetToTrainingData(dataset, { cameras: [], actionTarget: 'acceleration' as never })).rejects.toThrow(/action target: expected one of velocity, position, found acceleration/);
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
