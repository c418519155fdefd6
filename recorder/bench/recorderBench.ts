/**
 * Recorder benchmark: `npx tsx recorder/bench/recorderBench.ts [seconds]`
 * (default 10 s of source time per run).
 *
 * - the full stream mix (joints 500 Hz, wrench 500 Hz, action 125 Hz, status
 *   100 Hz, 2 cameras 30 Hz) as fast as possible: recorded ÷ published per
 *   stream (read back from the MCAP), speed over real time, MB per minute;
 * - the same mix at real time: the recorder's CPU share (process.cpuUsage,
 *   minus a run of the source alone);
 * - camera load ladder at real time: the largest count × resolution at 30 Hz
 *   recorded with nothing lost and the writer never more than 0.5 s behind;
 * - aligned-frame read throughput (30 Hz frames/s, cold, no cache).
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { McapIndexedReader } from '@mcap/core';

import { EPISODE_TOPICS, FileReadable, cameraTopic, createDatasetDir, featuresFor, type Dataset } from '@cellkit/datasets';
import { SYNTHETIC_JOINTS } from '@cellkit/datasets/testing';

import { result, type BenchResult } from '../../bench/BenchResult.ts';
import { Recorder } from '../src/Recorder.ts';
import { RecorderError } from '../src/RecorderError.ts';
import { SPEED_SCALING_TOPIC } from '../src/episodeStreams.ts';
import { FakeCellSource, playSimulated, simulatedCell, type SimulatedSample } from '../src/testing/FakeCellSource.ts';

export type RecorderBenchOptions = {
  /** Seconds of source time of the as-fast-as-possible run. Default 10. */
  seconds?: number;
  /** Seconds of the real-time run (CPU share). Default min(seconds, 60). */
  realTimeSeconds?: number;
  /** Camera resolution of the stream-mix runs. Default 320×240. */
  width?: number;
  height?: number;
  /** Camera loads tried at real time, smallest first: [count, width, height]. */
  ladder?: [number, number, number][];
  /** Seconds per ladder step. Default min(seconds, 4). */
  ladderSeconds?: number;
  /** Where the temporary datasets go. Default the OS temp dir. */
  dir?: string;
  log?: (line: string) => void;
};

const DEFAULT_LADDER: [number, number, number][] = [
  [2, 320, 240],
  [2, 640, 480],
  [4, 640, 480],
  [6, 640, 480],
  [4, 1280, 720],
  [8, 1280, 720],
  [8, 1920, 1080],
  [16, 1920, 1080],
];

type Run = { dataset: Dataset; index: number; samples: SimulatedSample[]; wall: number; cpu: number; maxLag: number; problems: string[]; bytes: number };

export async function recorderBench(options: RecorderBenchOptions = {}): Promise<BenchResult[]> {
  const seconds = options.seconds ?? 10;
  const width = options.width ?? 320;
  const height = options.height ?? 240;
  const log = options.log ?? ((line: string) => console.error(line));
  const root = await mkdtemp(join(options.dir ?? tmpdir(), 'cellkit-recorder-bench-'));
  const results: BenchResult[] = [];
  try {
    const cameras = ['scene', 'wrist'];
    const mix = simulatedCell({ duration: seconds, cameras, width, height });

    // 1. As fast as possible: nothing lost, and how much faster than real time.
    const fast = await record(root, 'fast', mix, cameras, { realTime: false });
    const counts = await countsOf(fast);
    const published = publishedCounts(mix, cameras);
    for (const [stream, topic] of streamTopics(cameras)) {
      results.push(result({ name: `recorder ${stream} recorded ÷ published, max speed`, value: counts[topic] ?? 0, unit: 'msgs', against: 'published', reference: published[stream]!, target: '= 1', met: counts[topic] === published[stream] }));
    }
    results.push(result({ name: `recorder full mix (2×${width}×${height} cameras) as fast as possible`, value: seconds / fast.wall, unit: '× real time', against: 'real time', reference: 1, target: '≥ 5', met: seconds / fast.wall >= 5 }));
    const mbPerMinute = (fast.bytes / 1024 / 1024 / seconds) * 60;
    results.push(result({ name: `recorder file size, full mix (2×${width}×${height} JPEG cameras)`, value: mbPerMinute, unit: 'MB/min', against: 'JPEG payload', reference: (payloadBytes(mix) / 1024 / 1024 / seconds) * 60 }));
    log(`fast: ${fast.wall.toFixed(2)} s wall for ${seconds} s, ${mbPerMinute.toFixed(1)} MB/min`);

    // 2. Real time: the recorder's CPU share over the source's own.
    const rtSeconds = options.realTimeSeconds ?? Math.min(seconds, 60);
    const rtMix = rtSeconds === seconds ? mix : simulatedCell({ duration: rtSeconds, cameras, width, height });
    const rtPublished = rtSeconds === seconds ? published : publishedCounts(rtMix, cameras);
    const sourceOnly = await play(rtMix, { realTime: true });
    const rt = await record(root, 'realtime', rtMix, cameras, { realTime: true });
    const share = (rt.cpu - sourceOnly.cpu) / rt.wall;
    results.push(result({ name: 'recorder CPU share at real time, full mix', value: share * 100, unit: '% of a core', against: 'the fake source alone', reference: (sourceOnly.cpu / sourceOnly.wall) * 100, target: '< 10 %', met: share < 0.1 }));
    const rtCounts = await countsOf(rt);
    const rtOk = streamTopics(cameras).every(([stream, topic]) => rtCounts[topic] === rtPublished[stream]);
    const sum = (f: (pair: [string, string]) => number): number => streamTopics(cameras).reduce((n, pair) => n + f(pair), 0);
    results.push(result({ name: 'recorder at real time: recorded ÷ published, all streams', value: sum(([, topic]) => rtCounts[topic] ?? 0), unit: 'msgs', against: 'published', reference: sum(([stream]) => rtPublished[stream]!), target: 'every stream equal', met: rtOk }));
    log(`real time: recorder ${(share * 100).toFixed(1)} % of a core, max writer lag ${rt.maxLag.toFixed(3)} s`);

    // 3. Camera ladder at real time.
    let best: [number, number, number] | undefined;
    const ladderSeconds = options.ladderSeconds ?? Math.min(seconds, 4);
    for (const [count, w, h] of options.ladder ?? DEFAULT_LADDER) {
      const names = Array.from({ length: count }, (_, k) => `cam${k}`);
      const samples = simulatedCell({ duration: ladderSeconds, cameras: names, width: w, height: h, cameraImages: 'shared' });
      const run = await record(root, `ladder-${count}x${w}x${h}`, samples, names, { realTime: true });
      const got = await countsOf(run);
      const want = publishedCounts(samples, names);
      const lost = streamTopics(names).some(([stream, topic]) => got[topic] !== want[stream]);
      const ok = !lost && run.maxLag < 0.5 && run.problems.length === 0;
      log(`ladder ${count}×${w}×${h}: ${ok ? 'ok' : 'NOT sustained'} (max lag ${run.maxLag.toFixed(3)} s, ${((run.bytes / 1024 / 1024 / ladderSeconds) * 60).toFixed(0)} MB/min${run.problems.length ? `, ${run.problems.join('; ')}` : ''})`);
      if (!ok) break;
      best = [count, w, h];
    }
    const pixels = best ? best[0] * best[1] * best[2] : 0;
    results.push(result({ name: `largest camera load sustained at 30 Hz without a drop (${best ? `${best[0]}×${best[1]}×${best[2]}` : 'none'})`, value: pixels / 1e6, unit: 'Mpixel/frame', against: '2×640×480', reference: (2 * 640 * 480) / 1e6, target: '≥ 2×640×480', met: pixels >= 2 * 640 * 480 }));

    // 4. Aligned read throughput (decode + align, no cache).
    const t0 = performance.now();
    const aligned = await fast.dataset.readAligned(fast.index, { rate: 30 });
    const readSeconds = (performance.now() - t0) / 1000;
    results.push(result({ name: `aligned read, 30 Hz frames with 2×${width}×${height} cameras (cold)`, value: aligned.length / readSeconds, unit: 'frames/s', against: 'real time', reference: 30 }));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  return results;
}

async function play(samples: SimulatedSample[], o: { realTime: boolean }): Promise<{ wall: number; cpu: number }> {
  const source = new FakeCellSource();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await playSimulated(source, samples, { realTime: o.realTime });
  const cpu = process.cpuUsage(cpu0);
  return { wall: (performance.now() - t0) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
}

async function record(root: string, name: string, samples: SimulatedSample[], cameras: string[], o: { realTime: boolean }): Promise<Run> {
  const dataset = await createDatasetDir(join(root, name), { name, robot: 'ur', features: featuresFor({ joints: SYNTHETIC_JOINTS, gripper: true, cameras: [] }), tasks: [] }, { cache: 'none' });
  const source = new FakeCellSource();
  const recorder = new Recorder({ source });
  const problems: string[] = [];
  recorder.on('problem', (p) => problems.push(p.message));
  recorder.on('error', (p) => problems.push(p.message));
  let maxLag = 0;
  const poll = setInterval(() => (maxLag = Math.max(maxLag, recorder.status().queue.lag)), 50);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await recorder.start({ dataset, task: 'bench', robotProfile: 'ur', jointNames: SYNTHETIC_JOINTS, cameras });
  await playSimulated(source, samples, { realTime: o.realTime });
  // A fault (the disk could not keep up) is a result here, not a crash: the
  // episode is closed as far as it got and the step counts as not sustained.
  const meta = await recorder.stop({ outcome: 'success' }).catch((error: unknown) => {
    if (error instanceof RecorderError && error.meta) return error.meta;
    throw error;
  });
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(poll);
  const bytes = (await stat(join(root, name, dataset.mcapPath(meta.index)))).size;
  return { dataset, index: meta.index, samples, wall, cpu: (cpu.user + cpu.system) / 1e6, maxLag, problems, bytes };
}

function streamTopics(cameras: string[]): [string, string][] {
  return [
    ['joints', EPISODE_TOPICS.jointStates.topic],
    ['wrench', EPISODE_TOPICS.wrench.topic],
    ['action', EPISODE_TOPICS.action.topic],
    ['status', SPEED_SCALING_TOPIC],
    ...cameras.map((c): [string, string] => [`camera/${c}`, cameraTopic(c)]),
  ];
}

function publishedCounts(samples: SimulatedSample[], cameras: string[]): Record<string, number> {
  const out: Record<string, number> = { joints: 0, wrench: 0, action: 0, status: 0 };
  for (const c of cameras) out[`camera/${c}`] = 0;
  for (const s of samples) {
    const key = s.kind === 'camera' ? `camera/${s.sample.camera}` : s.kind;
    if (key in out) out[key]! += 1;
  }
  return out;
}

function payloadBytes(samples: SimulatedSample[]): number {
  return samples.reduce((n, s) => n + (s.kind === 'camera' ? s.sample.data.byteLength : 0), 0);
}

async function countsOf(run: Run): Promise<Record<string, number>> {
  const readable = await FileReadable.open(join((run.dataset.storage as unknown as { root: string }).root, run.dataset.mcapPath(run.index)));
  try {
    const reader = await McapIndexedReader.Initialize({ readable });
    const out: Record<string, number> = {};
    for (const [id, count] of reader.statistics!.channelMessageCounts) out[reader.channelsById.get(id)!.topic] = Number(count);
    return out;
  } finally {
    await readable.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const seconds = process.argv[2] === undefined ? 10 : Number(process.argv[2]);
  if (!(seconds > 0)) {
    console.error(`usage: npx tsx recorder/bench/recorderBench.ts [seconds > 0], got '${process.argv[2]}'`);
    process.exit(2);
  }
  const { formatResult } = await import('../../bench/BenchResult.ts');
  for (const r of await recorderBench({ seconds })) console.log(formatResult(r));
}
