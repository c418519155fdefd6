import { parse } from '@foxglove/rosmsg';
import { MessageReader, MessageWriter } from '@foxglove/rosmsg2-serialization';

import { ros2SchemaText, fullTypeName } from './definitions.ts';

export type Ros2CodecOptions = {
  /** ROS 2 type, full (`sensor_msgs/msg/JointState`) or short form. */
  type: string;
  /** Complete ros2msg schema text; defaults to cellkit's definition of `type`. */
  schemaText?: string;
};

/**
 * CDR encoder/decoder for one ROS 2 type, built from its ros2msg schema text.
 * Parsing the text is the slow part, so codecs are cached per schema text
 * (`Ros2Codec.for`).
 */
export class Ros2Codec {
  readonly type: string;
  readonly schemaText: string;
  /** True when the type's first field is `std_msgs/Header header` (it carries a source stamp). */
  readonly hasHeader: boolean;
  #writer: MessageWriter;
  #reader: MessageReader;

  constructor(options: Ros2CodecOptions) {
    this.type = fullTypeName(options.type);
    this.schemaText = options.schemaText ?? ros2SchemaText(this.type);
    const definitions = parse(this.schemaText, { ros2: true });
    const first = definitions[0]?.definitions.find((field) => field.isConstant !== true);
    this.hasHeader = first?.name === 'header' && first.type === 'std_msgs/Header';
    this.#writer = new MessageWriter(definitions);
    this.#reader = new MessageReader(definitions);
  }

  static #cache = new Map<string, Ros2Codec>();

  /** A shared codec for a type (and optional schema text). */
  static for(type: string, schemaText?: string): Ros2Codec {
    const key = `${fullTypeName(type)}\n${schemaText ?? ''}`;
    let codec = Ros2Codec.#cache.get(key);
    if (!codec) {
      codec = new Ros2Codec({ type, schemaText });
      Ros2Codec.#cache.set(key, codec);
    }
    return codec;
  }

  /** Serializes a message object to CDR (with its 4-byte encapsulation header). */
  encode(message: unknown): Uint8Array {
    return this.#writer.writeMessage(message);
  }

  /** Deserializes CDR; `time` fields come back as { sec, nanosec }. */
  decode<T = unknown>(data: ArrayBufferView): T {
    return this.#reader.readMessage<T>(data);
  }
}
