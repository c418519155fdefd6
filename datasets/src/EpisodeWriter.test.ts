import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { McapIndexedReader } from '@mcap/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { EpisodeWriter } from './EpisodeWriter.ts';
import { FileReadable } from './node/FileReadable.ts';
import { FileWritable } from './node/FileWritable.ts';
import { Ros2Codec } from './ros2/Ros2Codec.ts';
import type { JointState } from './ros2/messages.ts';
import { nsToSeconds, ros2TimeToNs } from './ros2/time.ts';
import { writeSyntheticEpisode } from './testing/syntheticEpisode.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cellkit-writer-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readAll(path: string) {
  const readable = await FileReadable.open(path);
  const reader = await McapIndexedReader.Initialize({ readable });
  const messages = [];
  for await (const m of reader.readMessages()) messages.push(m);
  return { reader, messages, close: () => readable.close() };
}

describe('EpisodeWriter', () => {
  it('writes a ros2/ros2msg/cdr MCAP that the indexed reader reads back exactly', async () => {
    const path = join(dir, 'ep.mcap');
    const writable = await FileWritable.open(path);
    const writer = await EpisodeWriter.Create({ writable });
    const written = await writeSyntheticEpisode(writer, { duration: 3 });
    const summary = await writer.close();
    await writable.close();

    expect(summary.messageCount).toBe(written.messageCount);
    const { reader, messages, close } = await readAll(path);
    expect(reader.header.profile).toBe('ros2');
    expect(reader.dataSectionCrc).toBeDefined();
    for (const schema of reader.schemasById.values()) expect(schema.encoding).toBe('ros2msg');
    for (const channel of reader.channelsById.values()) expect(channel.messageEncoding).toBe('cdr');
    expect(messages.length).toBe(written.messageCount);
    expect(Number(reader.statistics!.messageCount)).toBe(written.messageCount);

    const counts: Record<string, number> = {};
    const topicOf = (id: number) => reader.channelsById.get(id)!.topic;
    for (const m of messages) counts[topicOf(m.channelId)] = (counts[topicOf(m.channelId)] ?? 0) + 1;
    expect(counts).toEqual(summary.messageCounts);

    // publishTime is the header stamp; logTime the receive time, never before it.
    const jointChannel = [...reader.channelsById.values()].find((c) => c.topic === '/joint_states')!;
    const codec = Ros2Codec.for('sensor_msgs/msg/JointState');
    for (const m of messages.filter((m) => m.channelId === jointChannel.id).slice(0, 50)) {
      const msg = codec.decode<JointState>(m.data);
      expect(ros2TimeToNs(msg.header.stamp)).toBe(m.publishTime);
      expect(m.logTime).toBeGreaterThanOrEqual(m.publishTime);
      expect(msg.name.at(-1)).toBe('finger_joint');
    }
    await close();
  });

  it('closes a chunk at least every chunkDuration of data, so a crash loses under a second', async () => {
    const path = join(dir, 'ep.mcap');
    const writable = await FileWritable.open(path);
    const writer = await EpisodeWriter.Create({ writable, chunkDuration: 0.5, chunkSize: 64 * 1024 * 1024 });
    await writeSyntheticEpisode(writer, { duration: 4 });
    await writer.close();
    await writable.close();
    const { reader, close } = await readAll(path);
    expect(reader.chunkIndexes.length).toBeGreaterThanOrEqual(8);
    for (const chunk of reader.chunkIndexes) {
      expect(nsToSeconds(chunk.messageEndTime - chunk.messageStartTime)).toBeLessThan(0.5);
    }
    await close();
  });

  it('keeps call order when writes are not awaited one by one', async () => {
    const path = join(dir, 'ep.mcap');
    const writable = await FileWritable.open(path);
    const writer = await EpisodeWriter.Create({ writable, chunkSize: 4096 });
    await writer.addStream('/cellkit/events', 'cellkit_msgs/msg/Event');
    const n = 300;
    await Promise.all(
      Array.from({ length: n }, (_, k) =>
        writer.write('/cellkit/events', {
          stamp: 100 + k * 0.01,
          receiveTime: 100 + k * 0.01,
          msg: { kind: 'info', code: `c${k}`, message: 'x'.repeat(k % 40) },
        }),
      ),
    );
    await writer.close();
    await writable.close();
    const { messages, close } = await readAll(path);
    const codec = Ros2Codec.for('cellkit_msgs/msg/Event');
    expect(messages.map((m) => codec.decode<{ code: string }>(m.data).code)).toEqual(
      Array.from({ length: n }, (_, k) => `c${k}`),
    );
    expect(messages.map((m) => m.sequence)).toEqual(Array.from({ length: n }, (_, k) => k));
    await close();
  });

  it('says what to do on an unknown topic or after close', async () => {
    const writable = await FileWritable.open(join(dir, 'ep.mcap'));
    const writer = await EpisodeWriter.Create({ writable });
    await writer.addStream('/joint_states', 'sensor_msgs/msg/JointState');
    await expect(writer.addStream('/joint_states', 'sensor_msgs/msg/JointState')).rejects.toThrow(/already added/);
    await expect(writer.write('/nope', { stamp: 1, receiveTime: 1, msg: {} })).rejects.toThrow(
      /Unknown topic \/nope: expected one of \[\/joint_states\]. Call addStream/,
    );
    await writer.close();
    await expect(writer.write('/joint_states', { stamp: 1, receiveTime: 1, msg: {} })).rejects.toThrow(/closed/);
    await writable.close();
    await expect(FileWritable.open(join(dir, 'ep.mcap'))).rejects.toThrow(/EEXIST/);
  });
});
