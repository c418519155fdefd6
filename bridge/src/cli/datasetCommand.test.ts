import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { createDatasetDir, featuresFor, openDatasetDir } from '@cellkit/datasets';
import { SYNTHETIC_JOINTS, writeSyntheticEpisode } from '@cellkit/datasets/testing';

import { UsageError } from './Command.ts';
import { datasetCommand } from './datasetCommand.ts';

let dir: string;
let logs: string[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cellkit-dataset-cli-'));
  logs = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logs.push(args.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void logs.push(args.join(' ')));
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

/** A dataset of `n` short episodes with two cameras. */
async function makeDataset(path: string, n: number, task = 'push'): Promise<void> {
  const dataset = await createDatasetDir(path, {
    name: 'cell',
    robot: 'ur',
    features: featuresFor({ joints: SYNTHETIC_JOINTS, gripper: true, cameras: [{ name: 'scene', width: 32, height: 24 }] }),
    tasks: [task],
  }, { cache: 'none' });
  for (let k = 0; k < n; k++) {
    const start = 1_767_225_600 + k * 10;
    const recording = await dataset.startEpisode({ task, startTime: start });
    await writeSyntheticEpisode(recording.writer, { start, duration: 0.5, cameras: ['scene'], width: 32, height: 24, seed: k + 1 });
    await recording.finish({ outcome: 'success' });
  }
}

const run = (...argv: string[]) => datasetCommand.run(argv);

describe('cellkit dataset', () => {
  it('info lists features and episodes; validate passes a clean dataset', async () => {
    const path = join(dir, 'a');
    await makeDataset(path, 2);
    expect(await run('info', path)).toBe(0);
    const text = logs.join('\n');
    expect(text).toMatch(/cell {2}robot ur .* 2 episode\(s\)/);
    expect(text).toMatch(/observation\.joint_position {2}float32\[6\]/);
    expect(text).toMatch(/^\s+0 +complete +success/m);
    logs.length = 0;
    expect(await run('validate', path)).toBe(0);
    expect(logs.join('\n')).toMatch(/no errors/);
  });

  it('validate exits 1 and names the episode when a file is damaged', async () => {
    const path = join(dir, 'a');
    await makeDataset(path, 1);
    const { writeFile } = await import('node:fs/promises');
    const file = join(path, 'episodes', '000000.mcap');
    const bytes = await readFile(file);
    bytes[bytes.length >> 1] ^= 0xff;
    await writeFile(file, bytes);
    expect(await run('validate', path)).toBe(1);
    expect(logs.join('\n')).toMatch(/error +episode 0: .*CRC/);
  });

  it('rm moves episodes to the trash; relabel changes labels', async () => {
    const path = join(dir, 'a');
    await makeDataset(path, 3);
    expect(await run('rm', path, '1')).toBe(0);
    const dataset = await openDatasetDir(path, { cache: 'none' });
    expect((await dataset.listEpisodes()).map((m) => m.index)).toEqual([0, 2]);
    const trash = await readdir(join(path, '.trash'));
    expect(trash).toHaveLength(1);
    expect(await readdir(join(path, '.trash', trash[0]!))).toEqual(['000001.json', '000001.mcap']);

    expect(await run('relabel', path, '2', '--outcome', 'discard', '--task', 'pick', '--notes', 'dropped the part')).toBe(0);
    const relabeled = await openDatasetDir(path, { cache: 'none' });
    const meta = await relabeled.getEpisode(2);
    expect([meta.outcome, meta.task, meta.notes]).toEqual(['discard', 'pick', 'dropped the part']);
    expect(relabeled.info.tasks).toContain('pick');
  });

  it('relabel --exclude leaves seconds of an episode (from its first sample) out of training; --keep-all takes them back', async () => {
    const path = join(dir, 'a');
    await makeDataset(path, 2);
    const first = (await (await openDatasetDir(path, { cache: 'none' })).readAligned(1, { rate: 10, cameras: [] })).timestamps[0]!;
    expect(await run('relabel', path, '1', '--exclude', '0.1-0.25:slipped, corrected by hand', '--exclude', '0.3-0.3:bump')).toBe(0);
    let meta = await (await openDatasetDir(path, { cache: 'none' })).getEpisode(1);
    expect(meta.excluded).toHaveLength(2);
    expect(meta.excluded![0]!.start).toBeCloseTo(first + 0.1, 6);
    expect(meta.excluded![0]!.end).toBeCloseTo(first + 0.25, 6);
    expect(meta.excluded!.map((e) => e.reason)).toEqual(['slipped, corrected by hand', 'bump']);
    expect(logs.at(-1)).toBe('episode 1: left out of training 0.10–0.25 s (slipped, corrected by hand), 0.30–0.30 s (bump)');
    // The spans lie on the episode's streams: validate has nothing to say about them; the other labels stay.
    logs.length = 0;
    expect(await run('validate', path)).toBe(0);
    expect(logs.join('\n')).not.toMatch(/Excluded span/);
    expect(meta.outcome).toBe('success');

    expect(await run('relabel', path, '1', '--keep-all')).toBe(0);
    meta = await (await openDatasetDir(path, { cache: 'none' })).getEpisode(1);
    expect(meta.excluded ?? []).toEqual([]);
    expect(logs.at(-1)).toBe('episode 1: nothing left out of training');

    await expect(run('relabel', path, '1', '--exclude', '2-1:late')).rejects.toThrow(/--exclude expects FROM-TO:REASON in seconds from the episode's first sample, FROM ≤ TO, e.g. 2.5-4.1:slipped; got '2-1:late'/);
    await expect(run('relabel', path, '1', '--exclude', '0.1-0.2')).rejects.toThrow(/--exclude expects FROM-TO:REASON/);
    await expect(run('relabel', path, '1', '--exclude', '0.1-0.2:x', '--keep-all')).rejects.toThrow(/contradict/);
    await expect(run('relabel', path, '1', '--exclude', '9-10:late')).rejects.toThrow(/the episode's samples end at 0\.\d\d s; expected a span that starts within 0–0\.\d\d s/);
    // Refusals change nothing.
    expect((await (await openDatasetDir(path, { cache: 'none' })).getEpisode(1)).excluded ?? []).toEqual([]);
  });

  it('split writes a seeded train/validation split of usable episodes', async () => {
    const path = join(dir, 'a');
    await makeDataset(path, 5);
    await run('relabel', path, '4', '--outcome', 'discard');
    expect(await run('split', path, '--val', '0.25', '--seed', '3')).toBe(0);
    const splits = JSON.parse(await readFile(join(path, 'splits.json'), 'utf8')) as { train: number[]; validation: number[] };
    expect(splits.validation).toHaveLength(1);
    expect([...splits.train, ...splits.validation].sort()).toEqual([0, 1, 2, 3]);
  });

  it('merge copies both datasets byte for byte into a new one, and refuses different features', async () => {
    await makeDataset(join(dir, 'a'), 2, 'push');
    await makeDataset(join(dir, 'b'), 1, 'pick');
    expect(await run('merge', join(dir, 'a'), join(dir, 'b'), '--out', join(dir, 'ab'))).toBe(0);
    const merged = await openDatasetDir(join(dir, 'ab'), { cache: 'none' });
    expect((await merged.listEpisodes()).map((m) => m.task)).toEqual(['push', 'push', 'pick']);
    expect(merged.info.tasks).toEqual(['push', 'pick']);
    expect(await readFile(join(dir, 'ab', 'episodes', '000002.mcap'))).toEqual(await readFile(join(dir, 'b', 'episodes', '000000.mcap')));

    await createDatasetDir(join(dir, 'c'), { name: 'c', robot: 'ur', features: featuresFor({ joints: ['j1'], gripper: false, cameras: [] }), tasks: [] });
    await expect(run('merge', join(dir, 'a'), join(dir, 'c'), '--out', join(dir, 'ac'))).rejects.toThrow(/features differ/);
  });

  it('export --images inline writes a LeRobot dataset; import reads it back', async () => {
    const path = join(dir, 'a');
    await makeDataset(path, 2);
    expect(await run('export', path, '--out', join(dir, 'lr'), '--images', 'inline', '--fps', '10')).toBe(0);
    const info = JSON.parse(await readFile(join(dir, 'lr', 'meta', 'info.json'), 'utf8')) as { total_episodes: number; fps: number };
    expect([info.total_episodes, info.fps]).toEqual([2, 10]);
    expect(await run('import', join(dir, 'lr'), '--out', join(dir, 'back'))).toBe(0);
    expect((await (await openDatasetDir(join(dir, 'back'), { cache: 'none' })).listEpisodes()).length).toBe(2);
  });

  it('rejects bad command lines with usage errors', async () => {
    await expect(run()).rejects.toThrow(UsageError);
    await expect(run('frobnicate', dir)).rejects.toThrow(/unknown action 'frobnicate'/);
    await expect(run('export', dir)).rejects.toThrow(/--out/);
    await expect(run('export', dir, '--out', join(dir, 'x'), '--images', 'gif')).rejects.toThrow(/--images expects video or inline/);
    await expect(run('relabel', dir, '0')).rejects.toThrow(/at least one of/);
    await expect(run('relabel', dir, 'x', '--outcome', 'success')).rejects.toThrow(/episode index/);
    await expect(run('info', join(dir, 'missing'))).rejects.toThrow(/dataset\.json/);
  });
});
