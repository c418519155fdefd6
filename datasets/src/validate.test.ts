import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { McapIndexedReader } from '@mcap/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { EpisodeWriter } from './EpisodeWriter.ts';
import { FileReadable } from './node/FileReadable.ts';
import { FileWritable } from './node/FileWritable.ts';
import { createDatasetDir } from './node/openDatasetDir.ts';
import { writeSyntheticEpisode } from './testing/syntheticEpisode.ts';
import { validateDataset, validateEpisode, type Problem } from './validate.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cellkit-validate-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const START = 1_767_225_600;

async function episode(path: string): Promise<void> {
  const writable = await FileWritable.open(path);
  const writer = await EpisodeWriter.Create({ writable });
  await writeSyntheticEpisode(writer, { start: START, duration: 1, cameras: ['scene'] });
  await writer.close();
  await writable.close();
}

async function validateFile(path: string, meta?: Parameters<typeof validateEpisode>[0]['meta']): Promise<Problem[]> {
  const readable = await FileReadable.open(path);
  try {
    return await validateEpisode({ readable, meta });
  } finally {
    await readable.close();
  }
}

const serious = (problems: Problem[]) => problems.filter((p) => p.severity !== 'info');

describe('validate', () => {
  it('finds nothing wrong with a freshly recorded dataset', async () => {
    const dataset = await createDatasetDir(dir, { name: 'd', robot: 'ur', tasks: ['t'], features: [] }, { cache: 'none' });
    const recording = await dataset.startEpisode({ task: 't', startTime: START });
    await writeSyntheticEpisode(recording.writer, { start: START, duration: 1, cameras: ['scene'] });
    await recording.finish({ outcome: 'success' });
    await dataset.computeStats({ rate: 10, cameras: [] });
    expect(await validateDataset(dataset)).toEqual([]);
  });

  it('reports a chunk CRC mismatch with the expected and found values', async () => {
    const path = join(dir, 'ep.mcap');
    await episode(path);
    const readable = await FileReadable.open(path);
    const chunk = (await McapIndexedReader.Initialize({ readable })).chunkIndexes[1]!;
    await readable.close();
    const bytes = new Uint8Array(await readFile(path));
    const at = Number(chunk.chunkStartOffset + chunk.chunkLength) - 3;
    bytes[at] = bytes[at]! ^ 0x55;
    await writeFile(path, bytes);
    const problems = await validateFile(path);
    const crc = problems.find((p) => p.message.startsWith('Chunk 1'));
    expect(crc?.severity).toBe('error');
    expect(crc?.message).toMatch(/CRC mismatch, expected \d+, found \d+/);
    expect(crc?.tip).toMatch(/recoverEpisode/);
  });

  it('reports a damaged byte outside chunks through the data-section CRC', async () => {
    const path = join(dir, 'ep.mcap');
    await episode(path);
    const bytes = new Uint8Array(await readFile(path));
    // The first schema text sits right after the header, outside any chunk.
    const text = new TextEncoder().encode('Standard metadata');
    let at = -1;
    for (let i = 0; i < 4096 && at < 0; i++) if (text.every((b, k) => bytes[i + k] === b)) at = i;
    expect(at).toBeGreaterThan(0);
    bytes[at] = 'X'.charCodeAt(0);
    await writeFile(path, bytes);
    const problems = await validateFile(path);
    expect(problems.map((p) => p.message)).toContainEqual(expect.stringMatching(/Data section CRC mismatch: expected \d+, found \d+/));
  });

  it('reports a file without summary (writer died) and says how to recover it', async () => {
    const path = join(dir, 'ep.mcap');
    await episode(path);
    const size = (await readFile(path)).byteLength;
    await truncate(path, size - 200);
    const problems = await validateFile(path);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.severity).toBe('error');
    expect(problems[0]!.tip).toMatch(/recoverEpisode/);
  });

  it('reports metadata that disagrees with the file, and stamps that go back', async () => {
    const path = join(dir, 'ep.mcap');
    const writable = await FileWritable.open(path);
    const writer = await EpisodeWriter.Create({ writable });
    await writer.addStream('/cellkit/events', 'cellkit_msgs/msg/Event');
    for (const [k, stamp] of [10, 11, 10.5, 12].entries()) {
      await writer.write('/cellkit/events', { stamp, receiveTime: 10 + k, msg: { kind: 'info', code: '', message: '' } });
    }
    await writer.close();
    await writable.close();
    const problems = serious(
      await validateFile(path, {
        index: 3,
        task: 't',
        outcome: null,
        operator: '',
        notes: '',
        startTime: 10,
        endTime: 20,
        status: 'complete',
        messageCounts: { '/cellkit/events': 5 },
      }),
    );
    expect(problems.map((p) => p.message)).toEqual([
      'Topic /cellkit/events: source stamps go back 1 time(s), first 500 ms back at sequence 2',
      'Metadata endTime 20.000 differs from the last message (13.000) by more than 1 s',
      'Topic /cellkit/events: metadata says 5 messages, file has 4',
    ]);
    expect(problems.every((p) => p.episode === 3 && p.tip.length > 0)).toBe(true);
  });

  it('warns about an excluded span outside the stream stamps (e.g. on the wall clock of startTime by mistake)', async () => {
    const path = join(dir, 'ep.mcap');
    await episode(path);
    const meta = { index: 1, task: 't', outcome: 'success' as const, operator: '', notes: '', startTime: START, endTime: START + 1, status: 'complete' as const };
    const inside = { start: START + 0.2, end: START + 0.5, reason: 'nudged approach' };
    const outside = { start: START + 50, end: START + 51, reason: 'wall clock' };
    expect(serious(await validateFile(path, { ...meta, excluded: [inside] }))).toEqual([]);
    const problems = serious(await validateFile(path, { ...meta, excluded: [inside, outside] }));
    expect(problems.map((p) => p.message)).toEqual([expect.stringMatching(/^Excluded span 1 \(.*"wall clock"\) lies outside the episode's stream stamps .*: it leaves nothing out$/)]);
    expect(problems[0]!.tip).toMatch(/streams' clock/);
  });
});
