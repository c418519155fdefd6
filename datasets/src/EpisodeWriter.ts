import { McapChunkBuilder, McapRecordBuilder, Opcode } from '@mcap/core';
import type { IWritable, McapTypes } from '@mcap/core';

import { crc32, crc32Final, crc32Init, crc32Update } from './mcap/crc32.ts';
import { Ros2Codec } from './ros2/Ros2Codec.ts';
import { fullTypeName } from './ros2/definitions.ts';
import { secondsToNs, secondsToRos2Time } from './ros2/time.ts';

/**
 * Where an episode's bytes go. `write` appends at the end; `position` is the
 * number of bytes written so far. `flush` is the durability seam: the writer
 * calls it after every chunk and on close; the adapter decides whether to
 * fsync now (FileWritable syncs at most every `syncInterval`).
 */
export interface EpisodeWritable extends IWritable {
  flush?(options?: { force?: boolean }): Promise<void>;
}

export type EpisodeWriterOptions = {
  writable: EpisodeWritable;
  /** Close a chunk once its records exceed this many bytes. Default 1 MiB. */
  chunkSize?: number;
  /**
   * Close a chunk once it spans this many seconds of receive time. Default 0.5 s:
   * a killed process loses at most the open chunk, so under a second of data.
   */
  chunkDuration?: number;
  /** MCAP Header.library. */
  library?: string;
};

export type AddStreamOptions = {
  /** Full ros2msg schema text; defaults to cellkit's definition of the type. */
  schemaText?: string;
  /** Channel metadata (e.g. rosbag2's `offered_qos_profiles`). */
  metadata?: Record<string, string>;
};

export type EpisodeMessage = {
  /** Source stamp (header.stamp), float seconds since the epoch → MCAP publishTime. */
  stamp: number;
  /** Time the recorder received the message, float seconds → MCAP logTime. */
  receiveTime: number;
  /** The ROS message object. A missing `header` is filled from `stamp`. */
  msg: object;
};

export type EncodedMessage = {
  logTime: bigint;
  publishTime: bigint;
  /** CDR bytes. */
  data: Uint8Array;
  /** Defaults to the channel's running count. */
  sequence?: number;
};

export type EpisodeSummary = {
  messageCount: number;
  chunkCount: number;
  /** Messages per topic. */
  messageCounts: Record<string, number>;
  /** First and last logTime, float seconds (undefined when empty). */
  startTime?: number;
  endTime?: number;
  bytes: number;
};

type Stream = { channel: McapTypes.Channel; codec?: Ros2Codec; count: number };

const LIBRARY = 'cellkit-datasets';

/**
 * Writes one episode as an MCAP file with the ROS 2 conventions (profile
 * `ros2`, schemas `ros2msg`, messages `cdr`), so it opens in Foxglove and plays
 * with `ros2 bag play`.
 *
 * Crash safety, by layout: Schema and Channel records are written to the data
 * section as soon as a stream is added (not inside a chunk), and messages go
 * into CRC-checked chunks closed every `chunkDuration` of data. A file cut
 * anywhere is therefore readable up to its last complete chunk
 * (`recoverMcap`), and `close()` adds the index and summary that make it
 * seekable.
 *
 * Calls may overlap (a recorder writes from several callbacks): operations are
 * queued in call order, which is also the order of messages in the file.
 */
export class EpisodeWriter {
  #writable: EpisodeWritable;
  #chunkSize: number;
  #chunkDurationNs: bigint;
  #records = new McapRecordBuilder();
  #chunk = new McapChunkBuilder({ useMessageIndex: true });
  #chunkFirstLogTime = 0n;
  #dataCrc = crc32Init();
  #schemas = new Map<string, McapTypes.Schema>();
  #streams = new Map<string, Stream>();
  #chunkIndexes: McapTypes.ChunkIndex[] = [];
  #messageCount = 0;
  #startTime = 0n;
  #endTime = 0n;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(options: EpisodeWriterOptions) {
    this.#writable = options.writable;
    this.#chunkSize = options.chunkSize ?? 1024 * 1024;
    this.#chunkDurationNs = secondsToNs(options.chunkDuration ?? 0.5);
  }

  /** Starts the file (magic + Header) on an empty writable. */
  static async Create(options: EpisodeWriterOptions): Promise<EpisodeWriter> {
    const writer = new EpisodeWriter(options);
    if (writer.#writable.position() !== 0n) {
      throw new Error(
        `EpisodeWriter needs an empty writable, found ${writer.#writable.position()} bytes already written. ` +
          'Open a new file for each episode.',
      );
    }
    writer.#records.writeMagic();
    writer.#records.writeHeader({ profile: 'ros2', library: options.library ?? LIBRARY });
    await writer.#emit();
    await writer.#writable.flush?.({ force: true });
    return writer;
  }

  /** Topics added so far. */
  get topics(): string[] {
    return [...this.#streams.keys()];
  }

  /**
   * Declares a topic and its ROS 2 type before its first message. The Schema and
   * Channel records are written immediately so even an empty or cut file names
   * its streams.
   */
  addStream(topic: string, type: string, options: AddStreamOptions = {}): Promise<void> {
    return this.#enqueue(async () => {
      if (this.#streams.has(topic)) {
        throw new Error(`Topic ${topic} was already added; add each topic once per episode.`);
      }
      const name = fullTypeName(type);
      const codec = Ros2Codec.for(name, options.schemaText);
      const key = `${name}\n${codec.schemaText}`;
      let schema = this.#schemas.get(key);
      if (!schema) {
        schema = {
          id: this.#schemas.size + 1,
          name,
          encoding: 'ros2msg',
          data: new TextEncoder().encode(codec.schemaText),
        };
        this.#schemas.set(key, schema);
        this.#records.writeSchema(schema);
      }
      const channel: McapTypes.Channel = {
        id: this.#streams.size,
        schemaId: schema.id,
        topic,
        messageEncoding: 'cdr',
        metadata: new Map(Object.entries(options.metadata ?? {})),
      };
      this.#records.writeChannel(channel);
      this.#streams.set(topic, { channel, codec, count: 0 });
      await this.#emit();
    });
  }

  /** Encodes and appends one message (see EpisodeMessage for the time fields). */
  write(topic: string, message: EpisodeMessage): Promise<void> {
    // Encoding happens now, in the caller's turn, so the queue only holds bytes.
    let encoded: EncodedMessage;
    try {
      const stream = this.#stream(topic);
      let msg = message.msg as { header?: unknown };
      if (stream.codec?.hasHeader === true && msg.header == undefined) {
        msg = { ...msg, header: { stamp: secondsToRos2Time(message.stamp), frame_id: '' } };
      }
      encoded = {
        logTime: secondsToNs(message.receiveTime),
        publishTime: secondsToNs(message.stamp),
        data: stream.codec!.encode(msg),
      };
    } catch (error) {
      return Promise.reject(error);
    }
    return this.writeEncoded(topic, encoded);
  }

  /** Appends an already CDR-encoded message (recovery, raw CDR from rosbridge). */
  writeEncoded(topic: string, message: EncodedMessage): Promise<void> {
    let stream: Stream;
    try {
      stream = this.#stream(topic);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#enqueue(async () => {
      if (
        this.#chunk.numMessages > 0 &&
        message.logTime - this.#chunkFirstLogTime >= this.#chunkDurationNs
      ) {
        await this.#finishChunk();
      }
      if (this.#chunk.numMessages === 0) {
        this.#chunkFirstLogTime = message.logTime;
      }
      this.#chunk.addMessage({
        channelId: stream.channel.id,
        sequence: message.sequence ?? stream.count,
        logTime: message.logTime,
        publishTime: message.publishTime,
        data: message.data,
      });
      stream.count += 1;
      if (this.#messageCount === 0 || message.logTime < this.#startTime) this.#startTime = message.logTime;
      if (this.#messageCount === 0 || message.logTime > this.#endTime) this.#endTime = message.logTime;
      this.#messageCount += 1;
      if (this.#chunk.byteLength >= this.#chunkSize) {
        await this.#finishChunk();
      }
    });
  }

  /**
   * Closes the open chunk and asks the writable to make it durable. A recorder
   * calls this when streams pause, since chunks otherwise close only on the
   * next message past `chunkDuration`.
   */
  flush(): Promise<void> {
    return this.#enqueue(async () => {
      await this.#finishChunk();
      await this.#writable.flush?.({ force: true });
    });
  }

  /** Writes the last chunk, DataEnd, summary (schemas, channels, statistics, chunk indexes) and footer. */
  close(): Promise<EpisodeSummary> {
    return this.#enqueue(async () => {
      await this.#finishChunk();
      this.#closed = true;
      this.#records.writeDataEnd({ dataSectionCrc: crc32Final(this.#dataCrc) });
      await this.#emit();
      await this.#writeSummary();
      await this.#writable.flush?.({ force: true });
      return this.summary();
    });
  }

  /** Counts so far (complete after close). */
  summary(): EpisodeSummary {
    const messageCounts: Record<string, number> = {};
    for (const [topic, stream] of this.#streams) messageCounts[topic] = stream.count;
    return {
      messageCount: this.#messageCount,
      chunkCount: this.#chunkIndexes.length,
      messageCounts,
      startTime: this.#messageCount > 0 ? Number(this.#startTime) / 1e9 : undefined,
      endTime: this.#messageCount > 0 ? Number(this.#endTime) / 1e9 : undefined,
      bytes: Number(this.#writable.position()),
    };
  }

  #stream(topic: string): Stream {
    if (this.#closed) {
      throw new Error(`EpisodeWriter is closed; cannot write ${topic}. Start a new episode.`);
    }
    const stream = this.#streams.get(topic);
    if (!stream) {
      throw new Error(
        `Unknown topic ${topic}: expected one of [${this.topics.join(', ')}]. Call addStream(topic, type) first.`,
      );
    }
    return stream;
  }

  #enqueue<T>(op: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(op);
    // Keep the queue alive after a failure; the caller still sees the error.
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /** Writes the record buffer to the data section, keeping the data-section CRC. */
  async #emit(): Promise<void> {
    if (this.#records.length === 0) return;
    const bytes = this.#records.buffer;
    this.#dataCrc = crc32Update(this.#dataCrc, bytes);
    await this.#writable.write(bytes);
    this.#records.reset();
  }

  async #finishChunk(): Promise<void> {
    if (this.#chunk.numMessages === 0) return;
    const records = this.#chunk.buffer;
    const chunk: McapTypes.Chunk = {
      messageStartTime: this.#chunk.messageStartTime,
      messageEndTime: this.#chunk.messageEndTime,
      uncompressedSize: BigInt(records.byteLength),
      uncompressedCrc: crc32(records),
      // JPEG is already compressed and CDR of doubles barely compresses; a
      // plain chunk keeps the writer cheap and readable by every MCAP tool.
      compression: '',
      records,
    };
    // Offsets are absolute file positions: bytes already written plus what is
    // buffered ahead of each record.
    const chunkStartOffset = this.#writable.position() + BigInt(this.#records.length);
    const chunkLength = this.#records.writeChunk(chunk);
    const messageIndexStart = chunkStartOffset + chunkLength;
    const messageIndexOffsets = new Map<number, bigint>();
    let messageIndexLength = 0n;
    for (const index of this.#chunk.indices) {
      if (index.records.length === 0) continue;
      messageIndexOffsets.set(index.channelId, messageIndexStart + messageIndexLength);
      messageIndexLength += this.#records.writeMessageIndex(index);
    }
    this.#chunkIndexes.push({
      messageStartTime: chunk.messageStartTime,
      messageEndTime: chunk.messageEndTime,
      chunkStartOffset,
      chunkLength,
      messageIndexOffsets,
      messageIndexLength,
      compression: '',
      compressedSize: chunk.uncompressedSize,
      uncompressedSize: chunk.uncompressedSize,
    });
    this.#chunk.reset();
    await this.#emit();
    await this.#writable.flush?.();
  }

  async #writeSummary(): Promise<void> {
    const w = this.#records;
    const summaryStart = this.#writable.position();
    const offsets: McapTypes.SummaryOffset[] = [];
    const group = (opcode: number, write: () => bigint): void => {
      const groupStart = summaryStart + BigInt(w.length);
      const groupLength = write();
      if (groupLength > 0n) offsets.push({ groupOpcode: opcode, groupStart, groupLength });
    };
    group(Opcode.SCHEMA, () => sum([...this.#schemas.values()].map((s) => w.writeSchema(s))));
    group(Opcode.CHANNEL, () => sum([...this.#streams.values()].map((s) => w.writeChannel(s.channel))));
    group(Opcode.STATISTICS, () =>
      w.writeStatistics({
        messageCount: BigInt(this.#messageCount),
        schemaCount: this.#schemas.size,
        channelCount: this.#streams.size,
        attachmentCount: 0,
        metadataCount: 0,
        chunkCount: this.#chunkIndexes.length,
        messageStartTime: this.#startTime,
        messageEndTime: this.#endTime,
        channelMessageCounts: new Map(
          [...this.#streams.values()].map((s) => [s.channel.id, BigInt(s.count)]),
        ),
      }),
    );
    group(Opcode.CHUNK_INDEX, () => sum(this.#chunkIndexes.map((c) => w.writeChunkIndex(c))));
    const summaryOffsetStart = summaryStart + BigInt(w.length);
    for (const offset of offsets) w.writeSummaryOffset(offset);

    // The summary CRC covers everything from summaryStart through the footer's
    // two offset fields (MCAP spec), so the footer prefix is hashed by hand.
    const footerPrefix = new DataView(new ArrayBuffer(1 + 8 + 8 + 8));
    footerPrefix.setUint8(0, Opcode.FOOTER);
    footerPrefix.setBigUint64(1, 8n + 8n + 4n, true);
    footerPrefix.setBigUint64(9, summaryStart, true);
    footerPrefix.setBigUint64(17, summaryOffsetStart, true);
    let summaryCrc = crc32Update(crc32Init(), w.buffer);
    summaryCrc = crc32Update(summaryCrc, new Uint8Array(footerPrefix.buffer));
    w.writeFooter({ summaryStart, summaryOffsetStart, summaryCrc: crc32Final(summaryCrc) });
    w.writeMagic();
    await this.#writable.write(w.buffer);
    w.reset();
  }
}

function sum(values: bigint[]): bigint {
  return values.reduce((a, b) => a + b, 0n);
}
