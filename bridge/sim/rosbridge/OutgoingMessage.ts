// One published message and its encoded `publish` frames, encoded lazily and
// at most once per (compression, topic spelling): fan-out to N clients costs
// N socket writes, not N encodings, and a message nobody reads is never encoded.
import { Encoder } from 'cbor-x';
import type { MessageCodec } from './MessageCodec.ts';

export type Compression = 'none' | 'cbor';
/**
 * An encoded frame. JSON frames are kept as UTF-8 bytes too, so a fan-out to
 * N clients does not convert the string N times; `binary` picks the
 * websocket opcode (text for JSON, binary for CBOR, as rosbridge sends them).
 */
export interface Frame {
  data: Uint8Array;
  binary: boolean;
}

// Plain CBOR maps (no cbor-x record extension, which roslib's cbor2 cannot
// read) and Uint8Array as an untagged byte string, as rosbridge writes bytes.
const cbor = new Encoder({ useRecords: false, tagUint8Array: false, mapsAsObjects: true });

export class OutgoingMessage {
  private json?: string;
  private cborMsg?: unknown;
  private readonly frames = new Map<string, Frame>();

  constructor(
    /** The message as the publisher gave it (cell object or decoded client message). */
    readonly msg: unknown,
    readonly type: string,
    private readonly codec: MessageCodec,
  ) {}

  /**
   * The frame for a subscriber that wrote the topic as `topicKey` (rosbridge
   * echoes the client's own spelling, e.g. `joint_states` without a slash).
   */
  frame(compression: Compression, topicKey: string): Frame {
    const cacheKey = compression === 'cbor' ? `c${topicKey}` : `j${topicKey}`;
    let f = this.frames.get(cacheKey);
    if (f !== undefined) return f;
    if (compression === 'cbor') {
      this.cborMsg ??= this.codec.toWire(this.msg, this.type, 'cbor');
      // cbor-x reuses its buffer between calls: copy out what it wrote.
      f = { data: new Uint8Array(cbor.encode({ op: 'publish', topic: topicKey, msg: this.cborMsg })), binary: true };
    } else {
      this.json ??= JSON.stringify(this.codec.toWire(this.msg, this.type, 'json'));
      f = { data: Buffer.from(`{"op":"publish","topic":${JSON.stringify(topicKey)},"msg":${this.json}}`), binary: false };
    }
    this.frames.set(cacheKey, f);
    return f;
  }
}
