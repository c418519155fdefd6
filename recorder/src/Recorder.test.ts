import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { McapIndexedReader } from '@mcap/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  EPISODE_TOPICS,
  FileReadable,
  NodeDatasetStorage,
  Ros2Codec,
  cameraTopic,
  createDatasetDir,
  featuresFor,
  openDatasetDir,
  type Dataset,
  type DatasetStorage,
  type EpisodeWritable,
} from '@cellkit/datasets';
import { SYNTHETIC_JOINTS } from '@cellkit/datasets/testing';

import { Recorder } from './Recorder.ts';
import type { QualityReport } from './QualityMonitor.ts';
import { RecorderError, type RecorderProblem } from './RecorderError.ts';
import { SPEED_SCALING_TOPIC } from './episodeStreams.ts';
import { createRecorder } from './node/openOrCreateDataset.ts';
import { FakeCellSource, FakeClock, playSimulated, simulatedCell, type SimulatedSample } from './testing/FakeCellSource.ts';

const CAMERAS = ['scene', 'wrist'];
const START = 1_767_225_600;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cellkit-recorder-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const startOptions = (dataset: Dataset | string) => ({
  dataset,
  task: 'pick the cube',
  operator: 'ada',
  robotProfile: 'ur',
  jointNames: SYNTHETIC_JOINTS,
  cameras: CAMERAS,
});

async function newDataset(root: string, storage?: DatasetStorage): Promise<Dataset> {
  const info = { name: 'test', robot: 'ur', features: featuresFor({ joints: SYNTHETIC_JOINTS, gripper: true, cameras: CAMERAS.map((name) => ({ name, width: 64, height: 48 })) }), tasks: [] };
  if (!storage) return createDatasetDir(root, info, { cache: 'none' });
  const { Dataset } = await import('@cellkit/datasets');
  await storage.mkdir('');
  return Dataset.create({ storage, info });
}

/** Reads every message of an episode file with the indexed reader, by topic. */
async function readEpisode(path: string) {
  const readable = await FileReadable.open(path);
  try {
    const reader = await McapIndexedReader.Initialize({ readable });
    const byTopic = new Map<string, { stamp: bigint; log: bigint; msg: any }[]>();
    for await (const m of reader.readMessages()) {
      const channel = reader.channelsById.get(m.channelId)!;
      const schema = reader.schemasById.get(channel.schemaId)!;
      const codec = Ros2Codec.for(schema.name, new TextDecoder().decode(schema.data));
      const list = byTopic.get(channel.topic) ?? [];
      list.push({ stamp: m.publishTime, log: m.logTime, msg: codec.decode(m.data) });
      byTopic.set(channel.topic, list);
    }
    return { byTopic, topics: [...reader.channelsById.values()].map((c) => c.topic) };
  } finally {
    await readable.close();
  }
}

const countOf = (samples: SimulatedSample[], kind: SimulatedSample['kind'], camera?: string) =>
  samples.filter((s) => s.kind === kind && (camera === undefined || (s.sample as { camera?: string }).camera === camera)).length;

describe('Recorder', () => {
  it('records every stream at its native rate, the action as sent, and a quality report', async () => {
    const dataset = await newDataset(join(dir, 'ds'));
    const source = new FakeCellSource();
    const clock = new FakeClock(START);
    const recorder = new Recorder({ source, now: clock.now });
    const samples = simulatedCell({ duration: 3, cameras: CAMERAS, start: START });
    await recorder.start(startOptions(dataset));
    await playSimulated(source, samples, { clock });
    const live = recorder.status();
    expect(live.state).toBe('recording');
    const meta = await recorder.stop({ outcome: 'success', notes: 'clean run' });
    expect(source.listenerCount('joints')).toBe(0);

    expect(meta.status).toBe('complete');
    expect(meta.outcome).toBe('success');
    const { byTopic, topics } = await readEpisode(join(dir, 'ds', dataset.mcapPath(meta.index)));
    for (const t of [EPISODE_TOPICS.jointStates.topic, EPISODE_TOPICS.wrench.topic, EPISODE_TOPICS.action.topic, EPISODE_TOPICS.safetyMode.topic, EPISODE_TOPICS.events.topic, SPEED_SCALING_TOPIC, ...CAMERAS.map(cameraTopic)]) {
      expect(topics).toContain(t);
    }
    expect(byTopic.get(EPISODE_TOPICS.jointStates.topic)!.length).toBe(countOf(samples, 'joints'));
    expect(byTopic.get(EPISODE_TOPICS.wrench.topic)!.length).toBe(countOf(samples, 'wrench'));
    expect(byTopic.get(EPISODE_TOPICS.action.topic)!.length).toBe(countOf(samples, 'action'));
    expect(byTopic.get(SPEED_SCALING_TOPIC)!.length).toBe(countOf(samples, 'status'));
    // Safety mode is latched: recorded once, as it never changed.
    expect(byTopic.get(EPISODE_TOPICS.safetyMode.topic)!.length).toBe(1);
    for (const c of CAMERAS) expect(byTopic.get(cameraTopic(c))!.length).toBe(countOf(samples, 'camera', c));
    // Events: the marker, plus the takeover implied by the first action's source.
    const events = byTopic.get(EPISODE_TOPICS.events.topic)!.map((e) => e.msg.code);
    expect(events).toContain('start');
    expect(events).toContain('source.teleop');

    for (const [topic, list] of byTopic) {
      for (let i = 1; i < list.length; i++) expect(list[i]!.stamp >= list[i - 1]!.stamp, `${topic} stamps monotonic at ${i}`).toBe(true);
    }
    // The action stream is exactly what was emitted, in order.
    const sent = samples.filter((s) => s.kind === 'action').map((s) => s.sample as { stamp: number; velocities: number[]; gripper: number });
    const actions = byTopic.get(EPISODE_TOPICS.action.topic)!;
    actions.forEach((a, i) => {
      expect(Number(a.stamp) / 1e9).toBeCloseTo(sent[i]!.stamp, 6);
      expect(a.msg.name).toEqual(SYNTHETIC_JOINTS);
      expect(Array.from(a.msg.velocity as Float64Array)).toEqual(sent[i]!.velocities);
      expect(a.msg.gripper).toBe(sent[i]!.gripper);
    });
    // Gripper rides in /joint_states as finger_joint.
    const joint0 = byTopic.get(EPISODE_TOPICS.jointStates.topic)![0]!.msg;
    expect(joint0.name).toEqual([...SYNTHETIC_JOINTS, 'finger_joint']);

    // Quality stored in the episode json agrees with the file.
    const stored = (await dataset.getEpisode(meta.index)).quality as any;
    expect(stored.streams.joints.count).toBe(countOf(samples, 'joints'));
    expect(stored.streams['camera/scene'].meanRate).toBeCloseTo(30, 1);
    expect(stored.streams.joints.meanRate).toBeCloseTo(500, 0);
    expect(stored.streams.joints.drops).toBe(0);
    expect(stored.streams['camera/wrist'].clockOffset).toBeCloseTo(0.021, 6);
    expect(stored.flagged).toBe(false);
  });

  it('reports an injected gap as a drop and flags a stream under its nominal rate', async () => {
    const dataset = await newDataset(join(dir, 'ds'));
    const source = new FakeCellSource();
    const clock = new FakeClock(START);
    const recorder = new Recorder({ source, now: clock.now });
    const gaps = [
      { stream: 'joints', from: 1.0, to: 1.1 },
      { stream: 'camera/wrist', from: 0.5, to: 2.0 },
    ];
    const samples = simulatedCell({ duration: 3, cameras: CAMERAS, start: START, gaps });
    await recorder.start(startOptions(dataset));
    await playSimulated(source, samples, { clock });
    const live = recorder.status().quality!;
    const meta = await recorder.stop({ outcome: 'failure' });
    // Live: what the writer has drained so far; stored: everything.
    const report = (await dataset.getEpisode(meta.index)).quality as unknown as QualityReport;
    expect(live.streams.joints!.count).toBeLessThanOrEqual(report.streams.joints!.count);

    const jointStamps = samples.filter((s) => s.kind === 'joints').map((s) => (s.sample as { stamp: number }).stamp);
    const missingJoints = 3 * 500 - jointStamps.length;
    const gapsBetween = jointStamps.slice(1).map((t, i) => t - jointStamps[i]!);
    const j = report.streams.joints!;
    expect(j.drops).toBe(1);
    expect(j.missing).toBe(missingJoints);
    expect(j.maxGap).toBeCloseTo(Math.max(...gapsBetween), 9);
    const wrist = report.streams['camera/wrist']!;
    expect(wrist.drops).toBe(1);
    expect(wrist.flag).toMatch(/under 90% of nominal 30 Hz/);
    expect(report.flagged).toBe(true);
    expect(report.streams['camera/scene']!.flag).toBeUndefined();
    // Skew of each camera against joint states: cameras arrive in receive
    // order 20 ms late, so the latest joint stamp is ~20 ms ahead.
    expect(report.streams['camera/scene']!.skew!.mean).toBeLessThan(0);
  });

  it('keeps a discarded episode on disk, marked discard', async () => {
    const source = new FakeCellSource();
    const clock = new FakeClock(START);
    const recorder = createRecorder({ source, now: clock.now });
    await recorder.start(startOptions(join(dir, 'new')));
    await playSimulated(source, simulatedCell({ duration: 0.5, cameras: CAMERAS, start: START }), { clock });
    const meta = await recorder.stop({ outcome: 'discard' });
    const dataset = await openDatasetDir(join(dir, 'new'), { cache: 'none' });
    expect((await dataset.getEpisode(meta.index)).outcome).toBe('discard');
    expect(dataset.info.tasks).toEqual(['pick the cube']);
    // Created from a path: camera sizes filled in from the first frames.
    expect(dataset.info.features.find((f) => f.name === 'observation.images.scene')!.shape).toEqual([48, 64, 3]);
    const { byTopic } = await readEpisode(join(dir, 'new', dataset.mcapPath(meta.index)));
    expect(byTopic.get(EPISODE_TOPICS.jointStates.topic)!.length).toBeGreaterThan(0);
  });

  it('stops with a clear error on a write failure and loses nothing already written', async () => {
    const root = join(dir, 'ds');
    const failing = new FailingStorage({ root });
    const dataset = await newDataset(root, failing);
    const source = new FakeCellSource();
    const clock = new FakeClock(START);
    const recorder = new Recorder({ source, now: clock.now });

    // Episode 0 records normally.
    await recorder.start(startOptions(dataset));
    await playSimulated(source, simulatedCell({ duration: 1, cameras: CAMERAS, start: START }), { clock });
    const first = await recorder.stop({ outcome: 'success' });
    const firstBytes = await sha(join(root, dataset.mcapPath(first.index)));

    // Episode 1: the disk fills after 300 kB.
    failing.failAfter = 300_000;
    const errors: RecorderProblem[] = [];
    recorder.on('error', (p) => errors.push(p));
    // The writer drains concurrently; wait for the failure rather than assume when it lands.
    const failed = new Promise((resolve) => recorder.on('error', resolve));
    await recorder.start(startOptions(dataset));
    await playSimulated(source, simulatedCell({ duration: 3, cameras: CAMERAS, start: START + 10 }), { clock });
    await failed;
    expect(errors).toHaveLength(1);
    expect(errors[0]!.code).toBe('write_failed');
    expect(errors[0]!.message).toMatch(/ENOSPC/);
    expect(errors[0]!.tip).toMatch(/free disk space/i);
    expect(recorder.state).toBe('failed');
    expect(source.listenerCount('joints')).toBe(0);
    const stopped = await recorder.stop({ outcome: 'success' }).catch((e: unknown) => e);
    expect(stopped).toBeInstanceOf(RecorderError);
    expect((stopped as RecorderError).tip).toMatch(/recovered/);
    failing.close();

    // Reopen: episode 1 is recovered up to its last complete chunk, episode 0 untouched.
    const reopened = await openDatasetDir(root, { cache: 'none' });
    expect(reopened.recovered.map((r) => r.index)).toEqual([1]);
    const recovered = await reopened.getEpisode(1);
    expect(recovered.status).toBe('recovered');
    const { byTopic } = await readEpisode(join(root, reopened.mcapPath(1)));
    expect(byTopic.get(EPISODE_TOPICS.jointStates.topic)!.length).toBeGreaterThan(0);
    expect(await sha(join(root, reopened.mcapPath(first.index)))).toBe(firstBytes);
    expect((await reopened.getEpisode(0)).status).toBe('complete');
  });

  it('refuses a dataset recorded for other joints, saying which', async () => {
    const other = await createDatasetDir(join(dir, 'other'), { name: 'other', robot: 'ur', features: featuresFor({ joints: ['a', 'b'], gripper: false, cameras: [] }), tasks: [] }, { cache: 'none' });
    const recorder = new Recorder({ source: new FakeCellSource() });
    const error = (await recorder.start(startOptions(other)).catch((e: unknown) => e)) as RecorderError;
    expect(error.problem.code).toBe('layout_mismatch');
    expect(error.message).toMatch(/\[a, b, gripper\].*shoulder_pan_joint/);
    expect(recorder.state).toBe('idle');
  });

  it('refuses to start on a read-only target with what to do', async () => {
    const root = join(dir, 'ro');
    const storage = new FailingStorage({ root });
    const dataset = await newDataset(root, storage);
    storage.readOnly = true;
    const recorder = new Recorder({ source: new FakeCellSource() });
    const error = await recorder.start(startOptions(dataset)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecorderError);
    expect((error as RecorderError).message).toMatch(/EROFS/);
    expect((error as RecorderError).tip).toMatch(/writable/);
    expect(recorder.state).toBe('idle');
  });

  it('reports a stalled disk as a live problem, then stops at the hard bound and still writes what was queued', async () => {
    const root = join(dir, 'ds');
    const storage = new FailingStorage({ root });
    const dataset = await newDataset(root, storage);
    const source = new FakeCellSource();
    const clock = new FakeClock(START);
    const recorder = new Recorder({ source, now: clock.now, warnLag: 0.2, maxLag: 1 });
    const problems: RecorderProblem[] = [];
    const errors: RecorderProblem[] = [];
    recorder.on('problem', (p) => problems.push(p));
    recorder.on('error', (p) => errors.push(p));
    await recorder.start(startOptions(dataset));
    storage.stall();
    const samples = simulatedCell({ duration: 3, cameras: CAMERAS, start: START });
    await playSimulated(source, samples, { clock });
    expect(problems.map((p) => p.code)).toContain('disk_lag');
    expect(problems.find((p) => p.code === 'disk_lag')!.message).toMatch(/Disk is not keeping up: \d+\.\d s of data queued/);
    expect(errors.map((p) => p.code)).toEqual(['disk_stalled']);
    const queued = recorder.status().queue.items;
    expect(queued).toBeGreaterThan(0);
    storage.resume();
    const error = (await recorder.stop({ outcome: 'failure' }).catch((e: unknown) => e)) as RecorderError;
    expect(error).toBeInstanceOf(RecorderError);
    expect(error.meta?.status).toBe('complete');
    expect(error.meta?.outcome).toBe('failure');
    // Everything accepted before the stop is in the file.
    const { byTopic } = await readEpisode(join(root, dataset.mcapPath(error.meta!.index)));
    const total = [...byTopic.values()].reduce((n, l) => n + l.length, 0);
    expect(total).toBe(recorder.status().written);
    expect(total).toBeGreaterThan(queued);
  });
});

describe('Recorder on a hung disk', () => {
  it('gives up stopping after the timeout, with the episode left for recovery', async () => {
    const root = join(dir, 'ds');
    const storage = new FailingStorage({ root });
    const dataset = await newDataset(root, storage);
    const source = new FakeCellSource();
    const clock = new FakeClock(START);
    const recorder = new Recorder({ source, now: clock.now });
    await recorder.start(startOptions(dataset));
    await playSimulated(source, simulatedCell({ duration: 1, cameras: CAMERAS, start: START }), { clock });
    storage.stall();
    await playSimulated(source, simulatedCell({ duration: 1, cameras: CAMERAS, start: START + 1 }), { clock });
    const error = (await recorder.stop({ outcome: 'success', timeout: 0.3 }).catch((e: unknown) => e)) as RecorderError;
    expect(error).toBeInstanceOf(RecorderError);
    expect(error.problem.code).toBe('stop_timeout');
    expect(error.tip).toMatch(/recovers it/);
    expect(recorder.state).toBe('idle');
    expect((await dataset.getEpisode(0)).status).toBe('recording');
    storage.fail();
    const reopened = await openDatasetDir(root, { cache: 'none' });
    expect((await reopened.getEpisode(0)).status).toBe('recovered');

    // The abandoned writer's failure does not leak into the next episode.
    storage.failAfter = Infinity;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(recorder.state).toBe('idle');
    await recorder.start(startOptions(reopened));
    const nextSamples = simulatedCell({ duration: 0.5, cameras: CAMERAS, start: START + 5 });
    await playSimulated(source, nextSamples, { clock });
    const next = await recorder.stop({ outcome: 'success' });
    expect(next.status).toBe('complete');
    const { byTopic } = await readEpisode(join(root, reopened.mcapPath(next.index)));
    expect(byTopic.get(EPISODE_TOPICS.jointStates.topic)!.length).toBe(countOf(nextSamples, 'joints'));
    storage.close();
  });
});

async function sha(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

/** NodeDatasetStorage with injectable faults: a full disk, a read-only target, a stalled disk. */
class FailingStorage implements DatasetStorage {
  failAfter = Infinity;
  readOnly = false;
  #inner: NodeDatasetStorage;
  #gate?: Promise<void>;
  #open?: () => void;
  #writables: { close(): Promise<void> }[] = [];

  constructor(options: { root: string }) {
    this.#inner = new NodeDatasetStorage(options);
  }
  stall(): void {
    this.#gate = new Promise((resolve) => (this.#open = resolve));
  }
  resume(): void {
    this.#open?.();
    this.#gate = undefined;
  }
  /** Ends a stall with every pending and later write failing (the disk never came back). */
  fail(): void {
    this.failAfter = 0;
    this.resume();
  }
  close(): void {
    for (const w of this.#writables) void w.close().catch(() => undefined);
  }

  readText = (path: string) => this.#inner.readText(path);
  list = (d: string) => this.#inner.list(d);
  mkdir = (d: string) => this.#inner.mkdir(d);
  exists = (path: string) => this.#inner.exists(path);
  move = (from: string, to: string) => this.#inner.move(from, to);
  removeScratch = (path: string) => this.#inner.removeScratch(path);
  openReadable = (path: string) => this.#inner.openReadable(path);

  async writeTextAtomic(path: string, text: string): Promise<void> {
    if (this.readOnly) throw Object.assign(new Error(`EROFS: read-only file system, open '${path}'`), { code: 'EROFS' });
    return this.#inner.writeTextAtomic(path, text);
  }

  async createWritable(path: string): Promise<EpisodeWritable & { close(): Promise<void> }> {
    if (this.readOnly) throw Object.assign(new Error(`EROFS: read-only file system, open '${path}'`), { code: 'EROFS' });
    const inner = await this.#inner.createWritable(path);
    this.#writables.push(inner);
    const write = async (buffer: Uint8Array): Promise<void> => {
      if (this.#gate) await this.#gate;
      if (Number(inner.position()) + buffer.byteLength > this.failAfter) {
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      }
      return inner.write(buffer);
    };
    return { position: () => inner.position(), write, flush: (options) => inner.flush(options), close: () => inner.close() };
  }
}
