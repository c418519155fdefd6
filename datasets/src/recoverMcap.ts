import { McapIndexedReader, McapStreamReader } from '@mcap/core';
import type { McapTypes } from '@mcap/core';

import { EpisodeWriter, type EpisodeWritable } from './EpisodeWriter.ts';

export type RecoverMcapOptions = {
  /** The damaged file. */
  readable: McapTypes.IReadable;
  /** An empty writable that receives the repaired file. */
  writable: EpisodeWritable;
  /** Bytes read per step. Default 4 MiB. */
  blockSize?: number;
};

export type McapRecoveryReport = {
  /** The file already had a valid summary and footer; nothing was written. */
  alreadyComplete: boolean;
  /** Messages kept (all messages of complete, CRC-valid chunks). */
  messageCount: number;
  messageCounts: Record<string, number>;
  /** Complete chunks in the source that were kept. */
  chunkCount: number;
  /** Bytes of the source after the last usable record (the torn tail). */
  lostBytes: number;
  totalBytes: number;
  /** First and last kept logTime, float seconds. */
  startTime?: number;
  endTime?: number;
  /** Why reading stopped, for the episode's notes. */
  stopReason: string;
};

/**
 * Rewrites an MCAP whose writer died (no summary, no footer, possibly a torn
 * last chunk) as a complete, indexed file holding everything up to the last
 * complete, CRC-valid chunk.
 *
 * The source is streamed record by record with McapStreamReader, which only
 * releases a chunk's messages after the whole chunk arrived and its CRC
 * matched, so a torn or corrupted chunk contributes nothing. Messages keep their
 * times, sequence numbers and bytes; only chunk boundaries may differ.
 */
export async function recoverMcap(options: RecoverMcapOptions): Promise<McapRecoveryReport> {
  const { readable, writable } = options;
  const blockSize = BigInt(options.blockSize ?? 4 * 1024 * 1024);
  const totalBytes = await readable.size();
  const report: McapRecoveryReport = {
    alreadyComplete: false,
    messageCount: 0,
    messageCounts: {},
    chunkCount: 0,
    lostBytes: 0,
    totalBytes: Number(totalBytes),
    stopReason: 'end of file',
  };

  try {
    const indexed = await McapIndexedReader.Initialize({ readable });
    const counts = indexed.statistics?.channelMessageCounts ?? new Map<number, bigint>();
    for (const [id, count] of counts) {
      report.messageCounts[indexed.channelsById.get(id)?.topic ?? `#${id}`] = Number(count);
    }
    report.alreadyComplete = true;
    report.messageCount = Number(indexed.statistics?.messageCount ?? 0n);
    report.chunkCount = indexed.chunkIndexes.length;
    report.stopReason = 'file is complete';
    if (indexed.statistics && indexed.statistics.messageCount > 0n) {
      report.startTime = Number(indexed.statistics.messageStartTime) / 1e9;
      report.endTime = Number(indexed.statistics.messageEndTime) / 1e9;
    }
    return report;
  } catch {
    // Expected for a file whose writer died: no footer to index from.
  }

  const stream = new McapStreamReader({ includeChunks: true, validateCrcs: true });
  const schemas = new Map<number, McapTypes.Schema>();
  const topics = new Map<number, string>();
  let writer: EpisodeWriter | undefined;
  let offset = 0n;
  let usedBytes = 0; // source bytes fully consumed by accepted records
  let pendingChunkEnd = 0;
  let done = false;

  const decoder = new TextDecoder();
  const ensureWriter = async (library: string): Promise<EpisodeWriter> => {
    writer ??= await EpisodeWriter.Create({ writable, library: `${library} (recovered by cellkit)` });
    return writer;
  };

  while (!done && offset < totalBytes) {
    const size = totalBytes - offset < blockSize ? totalBytes - offset : blockSize;
    stream.append(await readable.read(offset, size));
    offset += size;
    for (;;) {
      let record: McapTypes.TypedMcapRecord | undefined;
      try {
        record = stream.nextRecord();
      } catch (error) {
        report.stopReason = `unreadable record after byte ${usedBytes}: ${(error as Error).message}`;
        done = true;
        break;
      }
      if (!record) break;
      const consumed = Number(offset) - stream.bytesRemaining();
      switch (record.type) {
        case 'Header':
          if (record.profile !== 'ros2') {
            throw new Error(
              `Cannot recover: expected MCAP profile "ros2", found "${record.profile}". Only cellkit (ROS 2) episodes can be recovered.`,
            );
          }
          await ensureWriter(record.library);
          break;
        case 'Schema':
          schemas.set(record.id, record);
          break;
        case 'Channel': {
          if (topics.has(record.id)) break;
          const schema = schemas.get(record.schemaId);
          if (!schema || schema.encoding !== 'ros2msg' || record.messageEncoding !== 'cdr') {
            throw new Error(
              `Cannot recover channel ${record.topic}: expected a ros2msg schema and cdr messages, ` +
                `found schema ${schema ? `${schema.name} (${schema.encoding})` : `#${record.schemaId} missing`} ` +
                `and ${record.messageEncoding}. Only cellkit (ROS 2) episodes can be recovered.`,
            );
          }
          await (await ensureWriter('unknown')).addStream(record.topic, schema.name, {
            schemaText: decoder.decode(schema.data),
            metadata: Object.fromEntries(record.metadata),
          });
          topics.set(record.id, record.topic);
          break;
        }
        case 'Chunk':
          // Its messages follow; the chunk counts once they all arrived.
          report.chunkCount += 1;
          pendingChunkEnd = consumed;
          break;
        case 'Message': {
          const topic = topics.get(record.channelId);
          if (topic == undefined) break;
          await writer!.writeEncoded(topic, {
            logTime: record.logTime,
            publishTime: record.publishTime,
            data: record.data,
            sequence: record.sequence,
          });
          report.messageCounts[topic] = (report.messageCounts[topic] ?? 0) + 1;
          report.messageCount += 1;
          const t = Number(record.logTime) / 1e9;
          report.startTime = Math.min(report.startTime ?? t, t);
          report.endTime = Math.max(report.endTime ?? t, t);
          break;
        }
        case 'DataEnd':
        case 'Footer':
          report.stopReason = `found ${record.type} but the summary is unreadable; kept the data section`;
          done = true;
          break;
        default:
          break;
      }
      usedBytes = Math.max(consumed, pendingChunkEnd);
      if (done) break;
    }
  }
  if (!writer) {
    throw new Error(
      `No MCAP header in the first ${usedBytes} of ${totalBytes} bytes: expected magic and a Header record. ` +
        'The file is not an MCAP or was cut before the writer started; nothing to recover.',
    );
  }
  report.lostBytes = report.totalBytes - usedBytes;
  if (report.stopReason === 'end of file' && report.lostBytes > 0) {
    report.stopReason = `file ends inside a record; dropped the last ${report.lostBytes} bytes`;
  }
  await writer.close();
  return report;
}
