import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { AlignedEpisode } from '../AlignedReader.ts';
import type { Dataset } from '../Dataset.ts';
import { featuresFor } from '../features.ts';
import { createDatasetDir, openDatasetDir } from '../node/openDatasetDir.ts';
import { SYNTHETIC_JOINTS, writeSyntheticEpisode } from '../testing/syntheticEpisode.ts';
import type { LerobotInfo } from './lerobotFormat.ts';
import { FfmpegVideo } from './node/FfmpegVideo.ts';
import { exportLerobotDir, importLerobotDir } from './node/lerobotDir.ts';
import { readTable } from './parquetTable.ts';

const CAMERAS = ['scene', 'wrist'];
const FPS = 30;
let dir: string;
let dataset: Dataset;
let hasFfmpeg = false;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cellkit-lerobot-'));
  hasFfmpeg = await FfmpegVideo.available();
  dataset = await createDatasetDir(join(dir, 'src'), {
    name: 'src',
    robot: 'ur',
    features: featuresFor({ joints: SYNTHETIC_JOINTS, gripper: true, cameras: CAMERAS.map((name) => ({ name, width: 160, height: 120 })) }),
    tasks: ['push', 'pick'],
  }, { cache: 'memory' });
  const episodes: { task: string; outcome: 'success' | 'failure' | 'discard'; duration: number }[] = [
    { task: 'push', outcome: 'success', duration: 2 },
    { task: 'pick', outcome: 'failure', duration: 1.5 },
    { task: 'pick', outcome: 'discard', duration: 1 },
  ];
  for (const [k, e] of episodes.entries()) {
    const start = 1_767_225_600 + k * 10;
    const recording = await dataset.startEpisode({ task: e.task, operator: 'ada', startTime: start });
    await writeSyntheticEpisode(recording.writer, { start, duration: e.duration, cameras: CAMERAS, seed: k + 1 });
    await recording.finish({ outcome: e.outcome });
  }
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const readJson = async <T>(path: string): Promise<T> => JSON.parse(await readFile(path, 'utf8')) as T;
const rows = async (path: string) => readTable(new Uint8Array(await readFile(path)));

/** Every state/action feature equal (float32, NaN = NaN); cameras within `tolerance` mean absolute difference. */
function expectSameAligned(a: AlignedEpisode, b: AlignedEpisode, tolerance: number): void {
  expect(b.length).toBe(a.length);
  for (let i = 0; i < a.length; i++) expect(b.timestamps[i]).toBeCloseTo(a.timestamps[i]!, 6);
  for (const name of ['observation.joint_position', 'observation.joint_velocity', 'observation.gripper', 'observation.wrench', 'action']) {
    const fa = a.features[name]!;
    const fb = b.features[name]!;
    expect(fb.names, name).toEqual(fa.names);
    expect(Array.from(fb.valid), name).toEqual(Array.from(fa.valid));
    expect(Array.from(fb.data), name).toEqual(Array.from(fa.data));
  }
  for (const name of CAMERAS) {
    const ca = a.cameras[name]!;
    const cb = b.cameras[name]!;
    expect([cb.width, cb.height]).toEqual([ca.width, ca.height]);
    let diff = 0;
    for (let k = 0; k < ca.data.length; k++) diff += Math.abs(ca.data[k]! - cb.data[k]!);
    expect(diff / ca.data.length, `${name} mean abs difference`).toBeLessThan(tolerance);
    // Frame alignment: the flat 16×16 marker block encodes each frame's index
    // (frameMarkerGray), so a frame off by one would differ by 8 levels here.
    const marker = (c: typeof ca, i: number) => c.data[(i * c.width * c.height + 4 * c.width + 4) * 3]!;
    for (let i = 0; i < a.length; i++) {
      expect(Math.abs(marker(ca, i) - marker(cb, i)), `${name} frame ${i} marker`).toBeLessThan(4);
    }
  }
}

describe('LeRobot v3.0 export and import', () => {
  it('exports videos in the v3.0 layout with totals that agree with the parquet rows, and imports back the same aligned data', async () => {
    expect(hasFfmpeg, 'ffmpeg with libx264 is installed (CI: .ci/run installs it)').toBe(true);
    const out = join(dir, 'video');
    const progress: number[] = [];
    const result = await exportLerobotDir({ dataset, out, fps: FPS, onProgress: (p) => progress.push(p.done) });
    expect(result.episodes).toEqual([0, 1]); // the discarded episode is left out
    expect(progress[progress.length - 1]).toBe(2);

    const info = await readJson<LerobotInfo>(join(out, 'meta/info.json'));
    expect(info.codebase_version).toBe('v3.0');
    expect(info.data_path).toBe('data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet');
    expect(info.video_path).toBe('videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4');
    expect(info.features['observation.state']!.names).toEqual([...SYNTHETIC_JOINTS, 'finger_joint']);
    expect(info.features['observation.wrench']!.shape).toEqual([6]);
    expect(info.features['observation.images.scene']!.dtype).toBe('video');

    const data = await rows(join(out, 'data/chunk-000/file-000.parquet'));
    const episodes = await rows(join(out, 'meta/episodes/chunk-000/file-000.parquet'));
    const tasks = await rows(join(out, 'meta/tasks.parquet'));
    expect(data.length).toBe(info.total_frames);
    expect(episodes.length).toBe(info.total_episodes);
    expect(tasks.map((t) => t.task)).toEqual(['push', 'pick']);
    expect(info.total_tasks).toBe(tasks.length);
    expect(episodes.reduce((n, e) => n + Number(e.length), 0)).toBe(data.length);
    for (const [k, e] of episodes.entries()) {
      const own = data.filter((r) => Number(r.episode_index) === k);
      expect(own.length).toBe(Number(e.length));
      expect(Number(e.dataset_to_index) - Number(e.dataset_from_index)).toBe(own.length);
      expect(own.map((r) => Number(r.index))).toEqual(own.map((_, i) => Number(e.dataset_from_index) + i));
      expect(Number(e['videos/observation.images.scene/to_timestamp']) - Number(e['videos/observation.images.scene/from_timestamp'])).toBeCloseTo(own.length / FPS, 9);
    }
    // Values: the aligned reader's, per frame.
    const aligned0 = await dataset.readAligned(0, { rate: FPS });
    const row5 = data[5]!;
    const position = aligned0.features['observation.joint_position']!;
    expect(row5['observation.state']).toEqual([...position.data.subarray(5 * 6, 6 * 6), aligned0.features['observation.gripper']!.data[5]]);
    expect(row5.action).toEqual(Array.from(aligned0.features.action!.data.subarray(5 * 7, 6 * 7)));
    const stats = await readJson<Record<string, { mean: number[]; count: number[] }>>(join(out, 'meta/stats.json'));
    expect(stats['observation.state']!.count).toEqual([info.total_frames]);
    expect(stats['observation.images.scene']!.mean).toHaveLength(3);

    // One MP4 per camera holding every episode's frames.
    const video = new FfmpegVideo({ root: out });
    const frames = await video.decode({ path: 'videos/observation.images.scene/chunk-000/file-000.mp4', width: 160, height: 120 });
    expect(frames.byteLength / (160 * 120 * 3)).toBe(info.total_frames);

    const imported = await importLerobotDir({ from: out, to: join(dir, 'imported-video') });
    expect(imported.episodes).toBe(2);
    const back = await openDatasetDir(join(dir, 'imported-video'), { cache: 'none' });
    const metas = await back.listEpisodes();
    expect(metas.map((m) => [m.task, m.outcome])).toEqual([['push', 'success'], ['pick', 'failure']]);
    for (const [k, original] of result.episodes.entries()) {
      expectSameAligned(await dataset.readAligned(original, { rate: FPS }), await back.readAligned(metas[k]!.index, { rate: FPS }), 10);
    }
  });

  it('stores images inline in the parquet when asked, and imports them back', async () => {
    const out = join(dir, 'inline');
    const result = await exportLerobotDir({ dataset, out, fps: FPS, images: 'inline', episodes: [1] });
    const info = await readJson<LerobotInfo>(join(out, 'meta/info.json'));
    expect(info.video_path).toBeNull();
    expect(info.features['observation.images.wrist']!.dtype).toBe('image');
    await expect(stat(join(out, 'videos'))).rejects.toThrow();
    const data = await rows(join(out, 'data/chunk-000/file-000.parquet'));
    expect(data.length).toBe(result.frames);
    const image = data[0]!['observation.images.wrist'] as { bytes: Uint8Array };
    expect([image.bytes[0], image.bytes[1]]).toEqual([0xff, 0xd8]);
    await importLerobotDir({ from: out, to: join(dir, 'imported-inline') });
    const back = await openDatasetDir(join(dir, 'imported-inline'), { cache: 'none' });
    expectSameAligned(await dataset.readAligned(1, { rate: FPS }), await back.readAligned(0, { rate: FPS }), 4);
  });

  it('says clearly when ffmpeg is missing and offers inline images', async () => {
    const error = await exportLerobotDir({ dataset, out: join(dir, 'none'), ffmpeg: join(dir, 'no-such-ffmpeg') }).then(() => undefined, (e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect(error!.message).toMatch(/ffmpeg.*not found/);
    expect(error!.message).toMatch(/--images inline/);
    await expect(stat(join(dir, 'none'))).rejects.toThrow();
  });
});
