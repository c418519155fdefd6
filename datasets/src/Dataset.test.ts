import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { DatasetInfo, DatasetStats } from './datasetTypes.ts';
import { featuresFor } from './features.ts';
import { createDatasetDir, openDatasetDir } from './node/openDatasetDir.ts';
import { SYNTHETIC_JOINTS, writeSyntheticEpisode } from './testing/syntheticEpisode.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cellkit-dataset-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const INFO: Omit<DatasetInfo, 'schemaVersion' | 'createdAt'> = {
  name: 'pick-cube',
  robot: 'ur',
  tasks: ['pick the red cube'],
  features: featuresFor({ joints: SYNTHETIC_JOINTS, gripper: true, cameras: [{ name: 'scene', width: 160, height: 120 }] }),
};

const readJson = async (path: string) => JSON.parse(await readFile(join(dir, path), 'utf8'));

describe('Dataset', () => {
  it('records episodes numbered from 000000 with metadata written as recording, then complete', async () => {
    const dataset = await createDatasetDir(dir, INFO, { cache: 'none' });
    expect((await readJson('dataset.json')).schemaVersion).toBe(1);
    for (let k = 0; k < 2; k++) {
      const recording = await dataset.startEpisode({ task: INFO.tasks[0]!, operator: 'ana', startTime: 100 + k });
      expect(recording.meta.index).toBe(k);
      expect((await readJson(`episodes/00000${k}.json`)).status).toBe('recording');
      const written = await writeSyntheticEpisode(recording.writer, { duration: 1, cameras: ['scene'] });
      const meta = await recording.finish({ outcome: 'success', quality: { dropped: 0 } });
      expect(meta.status).toBe('complete');
      expect(meta.endTime).toBeCloseTo(written.end, 6);
      expect(Object.values(meta.messageCounts!).reduce((a, b) => a + b, 0)).toBe(written.messageCount);
    }
    const episodes = await dataset.listEpisodes();
    expect(episodes.map((e) => [e.index, e.status, e.outcome, e.operator])).toEqual([
      [0, 'complete', 'success', 'ana'],
      [1, 'complete', 'success', 'ana'],
    ]);
    // Atomic writes leave no temp files behind.
    expect((await readdir(join(dir, 'episodes'))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    await expect(createDatasetDir(dir, INFO)).rejects.toThrow(/already exists/);
  });

  it('relabels, and removes to .trash without deleting anything', async () => {
    const dataset = await createDatasetDir(dir, INFO, { cache: 'none' });
    for (let k = 0; k < 2; k++) {
      const recording = await dataset.startEpisode({ task: 'pick' });
      await writeSyntheticEpisode(recording.writer, { duration: 0.2, cameras: [] });
      await recording.finish();
    }
    await dataset.relabel(0, { outcome: 'failure', notes: 'dropped the cube' });
    const reopened = await openDatasetDir(dir, { cache: 'none' });
    expect((await reopened.getEpisode(0)).outcome).toBe('failure');
    expect((await reopened.getEpisode(0)).notes).toBe('dropped the cube');

    const trash = await reopened.remove(1);
    expect((await reopened.listEpisodes()).map((e) => e.index)).toEqual([0]);
    expect((await readdir(join(dir, trash))).sort()).toEqual(['000001.json', '000001.mcap']);
    await expect(reopened.getEpisode(1)).rejects.toThrow(/No episode 1: expected one of \[0\]/);
    // The next episode does not reuse a live index.
    const next = await reopened.startEpisode({ task: 'pick' });
    expect(next.meta.index).toBe(1);
    await next.finish();
  });

  it('stores spans not to learn from (sorted), and refuses a malformed one saying what it expects', async () => {
    const dataset = await createDatasetDir(dir, INFO, { cache: 'none' });
    const recording = await dataset.startEpisode({ task: 'pick' });
    await writeSyntheticEpisode(recording.writer, { duration: 0.2, cameras: [] });
    const t = recording.meta.startTime;
    await recording.finish({ outcome: 'success', excluded: [{ start: t + 2, end: t + 3, reason: 'b' }, { start: t, end: t + 1, reason: 'a' }] });
    const reopened = await openDatasetDir(dir, { cache: 'none' });
    expect((await reopened.getEpisode(0)).excluded).toEqual([{ start: t, end: t + 1, reason: 'a' }, { start: t + 2, end: t + 3, reason: 'b' }]);
    await expect(reopened.relabel(0, { excluded: [{ start: t + 1, end: t, reason: 'backwards' }] })).rejects.toThrow(/excluded span 0: expected .*start ≤ end and a reason, found/);
    await expect(reopened.relabel(0, { excluded: [{ start: t, end: t + 1, reason: '' }] })).rejects.toThrow(/a reason/);
    expect((await reopened.getEpisode(0)).excluded).toHaveLength(2); // a refused relabel changes nothing
    await reopened.relabel(0, { excluded: [] });
    expect((await reopened.getEpisode(0)).excluded).toEqual([]);
  });

  it('open() recovers an episode whose recording process died', async () => {
    const dataset = await createDatasetDir(dir, INFO, { cache: 'none' });
    const done = await dataset.startEpisode({ task: 'pick' });
    await writeSyntheticEpisode(done.writer, { duration: 0.5, cameras: [] });
    await done.finish({ outcome: 'success' });

    const crashed = await dataset.startEpisode({ task: 'pick' });
    await writeSyntheticEpisode(crashed.writer, { duration: 2, cameras: ['scene'] });
    // The process dies here: no finish(), no summary, the open chunk is lost.
    const reopened = await openDatasetDir(dir, { cache: 'none' });
    expect(reopened.recovered.map((r) => r.index)).toEqual([1]);
    const meta = await reopened.getEpisode(1);
    expect(meta.status).toBe('recovered');
    expect(meta.recovery!.original).toBe('000001.mcap.crashed');
    expect((await reopened.getEpisode(0)).status).toBe('complete');

    const { reader, close } = await reopened.openEpisode(1);
    let count = 0;
    let last = 0n;
    for await (const m of reader.readMessages()) {
      count++;
      expect(m.logTime).toBeGreaterThanOrEqual(last);
      last = m.logTime;
    }
    await close();
    expect(count).toBe(Object.values(meta.messageCounts!).reduce((a, b) => a + b, 0));
    // At most the open chunk (≤ 0.5 s of data) was lost out of 2 s.
    expect(meta.endTime! - Number(reader.statistics!.messageStartTime) / 1e9).toBeGreaterThan(2 - 0.5 - 0.1);
  });

  it('computes stats.json from aligned, valid frames of usable episodes', async () => {
    const dataset = await createDatasetDir(dir, INFO, { cache: 'memory' });
    for (const [k, outcome] of (['success', 'discard'] as const).entries()) {
      const recording = await dataset.startEpisode({ task: 'pick' });
      await writeSyntheticEpisode(recording.writer, { duration: 1 + k, cameras: ['scene'], start: 1_767_225_600 + 10 * k });
      await recording.finish({ outcome });
    }
    const stats = await dataset.computeStats({ rate: 10, imageSize: { width: 32, height: 24 } });
    expect(stats.episodes).toEqual([0]);
    const onDisk = (await readJson('stats.json')) as DatasetStats;
    expect(onDisk).toEqual(stats);

    const ep = await dataset.readAligned(0, { rate: 10, imageSize: { width: 32, height: 24 } });
    const pos = ep.features['observation.joint_position']!;
    const values = Array.from({ length: ep.length }, (_, i) => pos.data[i * pos.dim + 2]!);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    const s = stats.features['observation.joint_position']!;
    expect(s.count).toBe(ep.length);
    expect(s.mean[2]).toBeCloseTo(mean, 6);
    expect(s.std[2]).toBeCloseTo(std, 6);
    expect(s.min[2]).toBe(Math.min(...values));
    expect(s.max[2]).toBe(Math.max(...values));
    const img = stats.features['observation.images.scene']!;
    expect(img.mean.length).toBe(3);
    expect(img.min[0]).toBeGreaterThanOrEqual(0);
    expect(img.max[0]).toBeLessThanOrEqual(1);
    expect(img.count).toBe(ep.length * 32 * 24);
    // dataset.json features and the aligned output use the same names.
    expect(Object.keys(stats.features).sort()).toEqual(INFO.features.map((f) => f.name).concat('safety_mode').sort());
    for (const f of INFO.features.filter((f) => f.dtype === 'float32')) expect(s.mean.length && stats.features[f.name]!.mean.length).toBe(f.shape[0]);
  });
});
