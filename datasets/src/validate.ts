import { McapIndexedReader } from '@mcap/core';
import type { McapTypes } from '@mcap/core';

import type { Dataset } from './Dataset.ts';
import { DATASET_SCHEMA_VERSION, episodeStem, type EpisodeMeta } from './datasetTypes.ts';
import { crc32, crc32Final, crc32Init, crc32Update } from './mcap/crc32.ts';
import { Ros2Codec } from './ros2/Ros2Codec.ts';
import { isKnownRos2Type } from './ros2/definitions.ts';

/** A fault found in a dataset, for the person who sees it: what, and what to do. */
export type Problem = {
  severity: 'error' | 'warning' | 'info';
  message: string;
  tip: string;
  /** Episode index, when the problem belongs to one. */
  episode?: number;
};

export type ValidateEpisodeOptions = {
  readable: McapTypes.IReadable;
  /** The episode's metadata, to check it agrees with the file. */
  meta?: EpisodeMeta;
  /** Allowed disagreement between metadata times and the file's, seconds. Default 1. */
  timeTolerance?: number;
};

const RECOVER_TIP = 'Open the dataset (Dataset.open) or run recoverEpisode(path) to rebuild it up to its last complete chunk.';

/**
 * Checks one episode MCAP: structure (readable summary and footer, ros2
 * profile), every chunk CRC and the data-section CRC, schemas (ros2msg,
 * parseable, known to cellkit), cdr channels, stamps (publishTime) that never
 * go back per topic, and agreement with its metadata (times, message counts).
 * Never throws for a bad file: every fault is a Problem.
 */
export async function validateEpisode(options: ValidateEpisodeOptions): Promise<Problem[]> {
  const { readable, meta } = options;
  const tolerance = options.timeTolerance ?? 1;
  const problems: Problem[] = [];
  const add = (severity: Problem['severity'], message: string, tip: string): void => {
    problems.push({ severity, message, tip, episode: meta?.index });
  };

  let reader: McapIndexedReader;
  try {
    reader = await McapIndexedReader.Initialize({ readable });
  } catch (error) {
    add('error', `MCAP has no readable summary or footer: ${(error as Error).message}`, RECOVER_TIP);
    return problems;
  }
  if (reader.header.profile !== 'ros2') {
    add('warning', `MCAP profile is "${reader.header.profile}", expected "ros2"`, 'Re-record with EpisodeWriter so ROS 2 tools (ros2 bag play) accept the file.');
  }

  for (const schema of reader.schemasById.values()) {
    if (schema.encoding !== 'ros2msg') {
      add('error', `Schema ${schema.name} has encoding "${schema.encoding}", expected "ros2msg"`, 'Only ROS 2 message schemas are readable by cellkit; re-record the episode.');
      continue;
    }
    try {
      Ros2Codec.for(schema.name, new TextDecoder().decode(schema.data));
    } catch (error) {
      add('error', `Schema ${schema.name} does not parse: ${(error as Error).message}`, 'The schema text is damaged or incomplete (missing MSG: dependency); re-record the episode.');
      continue;
    }
    if (!isKnownRos2Type(schema.name)) {
      add('info', `Schema ${schema.name} is not a type cellkit aligns; its topic is kept but ignored for training`, 'Nothing to do unless you expected this stream to be a feature.');
    }
  }
  for (const channel of reader.channelsById.values()) {
    if (channel.messageEncoding !== 'cdr') {
      add('error', `Topic ${channel.topic} has message encoding "${channel.messageEncoding}", expected "cdr"`, 'Re-record the topic as CDR (ROS 2 serialization).');
    }
    if (channel.schemaId !== 0 && !reader.schemasById.has(channel.schemaId)) {
      add('error', `Topic ${channel.topic} refers to schema ${channel.schemaId}, which the file does not contain`, RECOVER_TIP);
    }
  }

  await checkCrcs(readable, reader, add);

  // Stamps per topic, and counts, from the messages themselves.
  const counts = new Map<number, number>();
  const lastStamp = new Map<number, bigint>();
  const regressions = new Map<number, { count: number; first: string }>();
  let first: bigint | undefined;
  let last: bigint | undefined;
  // Source stamps (the streams' clock, which excluded spans use).
  let firstSource: bigint | undefined;
  let lastSource: bigint | undefined;
  try {
    for await (const m of reader.readMessages({ validateCrcs: false })) {
      counts.set(m.channelId, (counts.get(m.channelId) ?? 0) + 1);
      const previous = lastStamp.get(m.channelId);
      if (previous != undefined && m.publishTime < previous) {
        const r = regressions.get(m.channelId) ?? { count: 0, first: `${Number(previous - m.publishTime) / 1e6} ms back at sequence ${m.sequence}` };
        r.count += 1;
        regressions.set(m.channelId, r);
      }
      lastStamp.set(m.channelId, m.publishTime);
      if (first == undefined || m.logTime < first) first = m.logTime;
      if (firstSource == undefined || m.publishTime < firstSource) firstSource = m.publishTime;
      if (lastSource == undefined || m.publishTime > lastSource) lastSource = m.publishTime;
      if (last == undefined || m.logTime > last) last = m.logTime;
    }
  } catch (error) {
    add('error', `Messages unreadable: ${(error as Error).message}`, RECOVER_TIP);
  }
  for (const [id, r] of regressions) {
    add('warning', `Topic ${reader.channelsById.get(id)?.topic}: source stamps go back ${r.count} time(s), first ${r.first}`, 'The publisher\'s clock jumped or messages were reordered; the aligned reader sorts by stamp, but check the source clock (NTP/PTP).');
  }
  const topicCounts: Record<string, number> = {};
  for (const channel of reader.channelsById.values()) topicCounts[channel.topic] = counts.get(channel.id) ?? 0;
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  if (reader.statistics && Number(reader.statistics.messageCount) !== total) {
    add('error', `Statistics record says ${reader.statistics.messageCount} messages, found ${total}`, RECOVER_TIP);
  }
  if (total === 0) add('warning', 'Episode has no messages', 'Remove it (Dataset.remove) or re-record.');

  if (meta) {
    if (firstSource != undefined && lastSource != undefined) {
      const [lo, hi] = [Number(firstSource) / 1e9, Number(lastSource) / 1e9];
      for (const [i, span] of (meta.excluded ?? []).entries()) {
        if (span.end < lo || span.start > hi) {
          add('warning', `Excluded span ${i} (${span.start.toFixed(3)}–${span.end.toFixed(3)} s, "${span.reason}") lies outside the episode's stream stamps ${lo.toFixed(3)}–${hi.toFixed(3)} s: it leaves nothing out`, 'Spans are on the streams\' clock (message stamps), not the wall clock of startTime; fix them with relabel.');
        }
      }
    }
    if (meta.status === 'recording') {
      add('warning', `Episode is marked recording but its file is closed`, 'The process died after closing the file; open the dataset to mark it complete.');
    }
    if (first != undefined && Math.abs(meta.startTime - Number(first) / 1e9) > tolerance && meta.startTime > Number(first) / 1e9) {
      add('warning', `Metadata startTime ${meta.startTime.toFixed(3)} is after the first message (${(Number(first) / 1e9).toFixed(3)})`, 'Fix startTime with relabel, or check the recorder clock.');
    }
    if (last != undefined && meta.endTime != undefined && Math.abs(meta.endTime - Number(last) / 1e9) > tolerance) {
      add('warning', `Metadata endTime ${meta.endTime.toFixed(3)} differs from the last message (${(Number(last) / 1e9).toFixed(3)}) by more than ${tolerance} s`, 'Check the recorder clock; the file is authoritative.');
    }
    for (const [topic, expected] of Object.entries(meta.messageCounts ?? {})) {
      if ((topicCounts[topic] ?? 0) !== expected) {
        add('error', `Topic ${topic}: metadata says ${expected} messages, file has ${topicCounts[topic] ?? 0}`, 'The file and its metadata disagree; re-run recovery or relabel the episode after checking the file.');
      }
    }
  }
  return problems;
}

/** Verifies each chunk's CRC (reading its record directly) and the data-section CRC. */
async function checkCrcs(
  readable: McapTypes.IReadable,
  reader: McapIndexedReader,
  add: (severity: Problem['severity'], message: string, tip: string) => void,
): Promise<void> {
  for (const [k, chunk] of reader.chunkIndexes.entries()) {
    const bytes = await readable.read(chunk.chunkStartOffset, chunk.chunkLength);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // Chunk record: opcode u8, length u64, start u64, end u64, uncompressed size u64,
    // uncompressed crc u32, compression string (u32 length + bytes), records length u64, records.
    const expected = view.getUint32(1 + 8 + 24, true);
    const compressionLength = view.getUint32(1 + 8 + 28, true);
    const recordsAt = 1 + 8 + 32 + compressionLength + 8;
    if (compressionLength !== 0) {
      add('info', `Chunk ${k} is compressed; its CRC was not checked`, 'cellkit writes uncompressed chunks; this file came from another writer.');
      continue;
    }
    const found = crc32(bytes.subarray(recordsAt));
    if (expected !== 0 && found !== expected) {
      add('error', `Chunk ${k} at byte ${chunk.chunkStartOffset}: CRC mismatch, expected ${expected}, found ${found}`, `The file is damaged on disk. ${RECOVER_TIP} Move the file aside first so the rebuild stops before this chunk.`);
    }
  }
  if (reader.dataSectionCrc == undefined) {
    add('warning', 'Data section CRC is not recorded (0)', 'Nothing to check it against; chunk CRCs still protect the messages.');
    return;
  }
  let state = crc32Init();
  const block = 4n * 1024n * 1024n;
  for (let offset = 0n; offset < reader.dataEndOffset; offset += block) {
    const size = reader.dataEndOffset - offset < block ? reader.dataEndOffset - offset : block;
    state = crc32Update(state, await readable.read(offset, size));
  }
  const found = crc32Final(state);
  if (found !== reader.dataSectionCrc) {
    add('error', `Data section CRC mismatch: expected ${reader.dataSectionCrc}, found ${found}`, `Bytes outside chunks (header, schemas, channels, indexes) are damaged. ${RECOVER_TIP}`);
  }
}

/**
 * Checks a whole dataset: `dataset.json`, every episode (file and metadata),
 * files that belong to no episode, and `stats.json`.
 */
export async function validateDataset(dataset: Dataset): Promise<Problem[]> {
  const problems: Problem[] = [];
  const info = dataset.info;
  if (info.schemaVersion !== DATASET_SCHEMA_VERSION) {
    problems.push({ severity: 'warning', message: `dataset.json schemaVersion is ${info.schemaVersion}, expected ${DATASET_SCHEMA_VERSION}`, tip: 'Open and re-save the dataset with this cellkit version.' });
  }
  for (const field of ['name', 'robot'] as const) {
    if (typeof info[field] !== 'string' || info[field].length === 0) {
      problems.push({ severity: 'error', message: `dataset.json has no ${field}`, tip: `Set it with dataset.updateInfo({ ${field}: ... }).` });
    }
  }
  const metas = await dataset.listEpisodes();
  const names = new Set(await dataset.storage.list('episodes'));
  for (const meta of metas) {
    const path = dataset.mcapPath(meta.index);
    if (!names.has(`${episodeStem(meta.index)}.mcap`)) {
      problems.push({ severity: 'error', episode: meta.index, message: `Episode ${meta.index} has metadata but no ${path}`, tip: 'Remove the episode (Dataset.remove) or restore its file from .trash.' });
      continue;
    }
    const readable = await dataset.storage.openReadable(path);
    try {
      problems.push(...(await validateEpisode({ readable, meta })));
    } finally {
      await readable.close();
    }
  }
  const known = new Set(metas.map((m) => episodeStem(m.index)));
  for (const name of names) {
    if (/^\d{6}\.mcap$/.test(name) && !known.has(name.slice(0, 6))) {
      problems.push({ severity: 'warning', message: `episodes/${name} has no metadata`, tip: 'Recreate its .json or move the file to .trash.' });
    }
  }
  if ((await dataset.readStats()) == undefined && metas.length > 0) {
    problems.push({ severity: 'info', message: 'stats.json is missing', tip: 'Run dataset.computeStats({ rate }) before training.' });
  }
  return problems;
}
