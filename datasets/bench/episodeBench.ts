// Throughput of the episode format on this machine:
//   npx tsx datasets/bench/episodeBench.ts [seconds-of-data]
// Write: the realistic stream mix (500 Hz JointState + 500 Hz Wrench + 125 Hz
// action + 2 × 30 Hz 160×120 JPEG), CDR encoding included, to a real file.
// Read: aligned frames per second, cold (decode) and warm (cache).
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { AlignedReader, EpisodeWriter, FileAlignedCache, FileReadable, FileWritable, MemoryAlignedCache, recoverEpisode } from '../src/index.ts';
import type { AlignedCache, AlignOptions } from '../src/index.ts';
import { syntheticMessages, syntheticStreams } from '../src/testing/index.ts';

const seconds = Number(process.argv[2] ?? 30);
const dir = await mkdtemp(join(tmpdir(), 'cellkit-bench-'));
const path = join(dir, 'ep.mcap');

const messages = syntheticMessages({ duration: seconds });
const jpegBytes = messages
  .filter((m) => m.topic.startsWith('/camera/'))
  .map((m) => (m.msg as { data: Uint8Array }).data.byteLength);

const cpu0 = process.cpuUsage();
const wall0 = performance.now();
const writable = await FileWritable.open(path);
const writer = await EpisodeWriter.Create({ writable });
for (const [topic, type] of syntheticStreams()) await writer.addStream(topic, type);
for (const m of messages) await writer.write(m.topic, { stamp: m.stamp, receiveTime: m.receiveTime, msg: m.msg });
const summary = await writer.close();
await writable.close();
const wall = (performance.now() - wall0) / 1000;
const cpuUsed = process.cpuUsage(cpu0);
const cpu = (cpuUsed.user + cpuUsed.system) / 1e6;
const bytes = (await stat(path)).size;
console.log(`write: ${seconds} s of data, ${summary.messageCount} messages, ${summary.chunkCount} chunks, ${(bytes / 1e6).toFixed(1)} MB (JPEG mean ${(jpegBytes.reduce((a, b) => a + b, 0) / jpegBytes.length / 1000).toFixed(1)} KB)`);
console.log(`write: wall ${wall.toFixed(2)} s, cpu ${cpu.toFixed(2)} s → ${(seconds / cpu).toFixed(0)} s of data per CPU second, ${(bytes / 1e6 / wall).toFixed(1)} MB/s, ${(summary.messageCount / wall / 1000).toFixed(0)} k msg/s`);

async function timedRead(label: string, options: AlignOptions, cache?: AlignedCache): Promise<void> {
  const t0 = performance.now();
  const readable = await FileReadable.open(path);
  const reader = await AlignedReader.Initialize({ readable, cache, cacheKey: 'bench' });
  const episode = await reader.read(options);
  await readable.close();
  const dt = (performance.now() - t0) / 1000;
  console.log(`read ${label}: ${episode.length} frames in ${dt.toFixed(2)} s → ${(episode.length / dt).toFixed(0)} frames/s`);
}

for (const rate of [10, 30]) {
  const memory = new MemoryAlignedCache();
  const files = new FileAlignedCache({ dir: join(dir, 'cache') });
  await timedRead(`${rate} Hz, 2 cameras 160×120, cold`, { rate }, memory);
  await timedRead(`${rate} Hz, warm memory cache`, { rate }, memory);
  await timedRead(`${rate} Hz, cold → file cache`, { rate }, files);
  await timedRead(`${rate} Hz, warm file cache`, { rate }, files);
  await timedRead(`${rate} Hz, states only`, { rate, cameras: [] });
}

// Recovery speed: a copy of the file cut in half.
const { copyFile, truncate } = await import('node:fs/promises');
const cut = join(dir, 'cut.mcap');
await copyFile(path, cut);
await truncate(cut, Math.floor(bytes / 2));
const r0 = performance.now();
const report = await recoverEpisode(cut);
console.log(`recover: ${report.messageCount} messages from ${(bytes / 2 / 1e6).toFixed(1)} MB in ${((performance.now() - r0) / 1000).toFixed(2)} s`);
await rm(dir, { recursive: true, force: true });
