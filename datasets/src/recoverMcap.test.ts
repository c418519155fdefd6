import { mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { McapIndexedReader } from '@mcap/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { EpisodeWriter } from './EpisodeWriter.ts';
import { FileReadable } from './node/FileReadable.ts';
import { FileWritable } from './node/FileWritable.ts';
import { recoverEpisode } from './node/recoverEpisode.ts';
import { makeRandom, writeSyntheticEpisode } from './testing/syntheticEpisode.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cellkit-recover-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Key = string;
const keyOf = (m: { channelId: number; sequence: number; logTime: bigint }): Key => `${m.channelId}/${m.sequence}/${m.logTime}`;

/** A complete episode plus, per chunk, its byte range and message keys. */
async function writeComplete(path: string, duration: number) {
  const writable = await FileWritable.open(path);
  const writer = await EpisodeWriter.Create({ writable, chunkDuration: 0.5 });
  await writeSyntheticEpisode(writer, { duration, cameras: ['scene'] });
  await writer.close();
  await writable.close();
  const readable = await FileReadable.open(path);
  const reader = await McapIndexedReader.Initialize({ readable });
  const chunks = [];
  for (const c of reader.chunkIndexes) {
    const keys: Key[] = [];
    for await (const m of reader.readMessages({ startTime: c.messageStartTime, endTime: c.messageEndTime })) {
      // logTimes increase through the file, so chunk time ranges do not overlap.
      keys.push(keyOf(m));
    }
    chunks.push({ start: Number(c.chunkStartOffset), end: Number(c.chunkStartOffset + c.chunkLength), keys });
  }
  const all: Key[] = [];
  for await (const m of reader.readMessages()) all.push(keyOf(m));
  await readable.close();
  return { chunks, all };
}

async function readRecovered(path: string) {
  const readable = await FileReadable.open(path);
  const reader = await McapIndexedReader.Initialize({ readable });
  const messages = [];
  for await (const m of reader.readMessages({ validateCrcs: true })) messages.push(m);
  await readable.close();
  return { reader, messages };
}

describe('recoverEpisode', () => {
  it('keeps every message of complete chunks when the file is cut inside the last chunk (kill -9)', async () => {
    const path = join(dir, '000000.mcap');
    const { chunks, all } = await writeComplete(path, 3);
    expect(chunks.length).toBeGreaterThanOrEqual(6);
    const random = makeRandom(7);
    const last = chunks[chunks.length - 1]!;
    const cut = last.start + 1 + Math.floor(random() * (last.end - last.start - 2));
    await truncate(path, cut);
    await writeFile(join(dir, '000000.json'), JSON.stringify({ index: 0, status: 'recording', startTime: 1, endTime: null }));

    const report = await recoverEpisode(path);
    expect(report.alreadyComplete).toBe(false);
    expect(report.lostBytes).toBe(cut - last.start);

    const { reader, messages } = await readRecovered(path);
    // Everything before the torn chunk, nothing after it.
    const keptCount = all.length - new Set(last.keys).size;
    expect(messages.length).toBe(keptCount);
    expect(messages.map(keyOf)).toEqual(all.slice(0, keptCount));
    expect(reader.header.profile).toBe('ros2');
    const lastStamp = new Map<number, bigint>();
    for (const m of messages) {
      expect(m.publishTime).toBeGreaterThanOrEqual(lastStamp.get(m.channelId) ?? 0n);
      lastStamp.set(m.channelId, m.publishTime);
    }
    // The original is moved aside, byte for byte, never destroyed.
    expect((await stat(report.originalPath ? join(dir, report.originalPath) : '')).size).toBe(cut);
    const meta = JSON.parse(await readFile(join(dir, '000000.json'), 'utf8'));
    expect(meta.status).toBe('recovered');
    expect(meta.recovery.lostBytes).toBe(report.lostBytes);
    expect(meta.recovery.original).toBe('000000.mcap.crashed');
    expect(meta.messageCounts['/joint_states']).toBeGreaterThan(0);
    expect(meta.endTime).toBeCloseTo(Number(messages.at(-1)!.logTime) / 1e9, 6);
  });

  it('stops at a chunk whose CRC does not match and keeps the chunks before it', async () => {
    const path = join(dir, 'ep.mcap');
    const { chunks, all } = await writeComplete(path, 3);
    const bytes = new Uint8Array(await readFile(path));
    const bad = chunks[2]!;
    const at = bad.end - 10; // inside the chunk's records
    bytes[at] = bytes[at]! ^ 0xff;
    await writeFile(path, bytes.subarray(0, chunks[4]!.end + 5)); // also no summary
    const report = await recoverEpisode(path);
    expect(report.stopReason).toMatch(/CRC/);
    const { messages } = await readRecovered(path);
    const keep = new Set([...chunks[0]!.keys, ...chunks[1]!.keys]).size;
    expect(messages.map(keyOf)).toEqual(all.slice(0, keep));
  });

  it('leaves a complete file alone', async () => {
    const path = join(dir, 'ep.mcap');
    const { all } = await writeComplete(path, 1);
    const before = await readFile(path);
    const report = await recoverEpisode(path);
    expect(report.alreadyComplete).toBe(true);
    expect(report.messageCount).toBe(all.length);
    expect(Buffer.compare(before, await readFile(path))).toBe(0);
  });
});
