// Converts messages between the cell's JS objects and what rosbridge puts on
// the wire, following rosbridge_library's message_conversion.py (JSON) and
// cbor_conversion.py (CBOR) for ROS 2:
//   JSON: uint8[]/char[] -> base64 string, other arrays -> JSON arrays,
//         Time/Duration -> {sec, nanosec}, NaN/Inf -> null (JSON.stringify).
//   CBOR: uint8[]/char[] -> byte string; numeric arrays -> RFC 8746 typed
//         arrays, little endian (float64 tag 86, float32 85, int32 78, ...);
//         cbor-x writes those tags for JS typed arrays, so we only pick the
//         right typed array per field type.
// Incoming client messages follow rosbridge's populate rules: unknown fields
// and wrong JS types are errors, missing fields take their defaults.
import type { FieldSchema, MessageSchema, MessageSchemas } from './MessageSchemas.ts';

export type WireEncoding = 'json' | 'cbor';

/** A client message did not fit its type; the text mirrors rosbridge's exceptions. */
export class MessageShapeError extends Error {}

const TYPED_ARRAYS: Record<string, (values: ArrayLike<number>) => ArrayBufferView> = {
  float64: (v) => Float64Array.from(v),
  float32: (v) => Float32Array.from(v),
  int8: (v) => Int8Array.from(v),
  byte: (v) => Int8Array.from(v),
  int16: (v) => Int16Array.from(v),
  uint16: (v) => Uint16Array.from(v),
  int32: (v) => Int32Array.from(v),
  uint32: (v) => Uint32Array.from(v),
  int64: (v) => BigInt64Array.from(Array.from(v, (x) => BigInt(Math.trunc(Number(x))))),
  uint64: (v) => BigUint64Array.from(Array.from(v, (x) => BigInt(Math.trunc(Number(x))))),
};
const TYPED_ARRAY_CTORS: Record<string, Function> = {
  float64: Float64Array, float32: Float32Array, int8: Int8Array, byte: Int8Array,
  int16: Int16Array, uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array,
  int64: BigInt64Array, uint64: BigUint64Array,
};
const FLOAT_TYPES = new Set(['float32', 'float64']);
const INT_TYPES = new Set(['byte', 'char', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64']);
const TIME_TYPES = new Set(['builtin_interfaces/msg/Time', 'builtin_interfaces/msg/Duration']);

function isBinaryField(f: FieldSchema): boolean {
  return f.isArray && (f.baseType === 'uint8' || f.baseType === 'char');
}

function toBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return Buffer.from(v, 'base64');
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (Array.isArray(v)) return Uint8Array.from(v as number[]);
  return new Uint8Array(0);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

export class MessageCodec {
  constructor(readonly schemas: MessageSchemas) {}

  /**
   * A cell message -> the value rosbridge would put under `msg`. Fields the
   * schema lacks are dropped and missing ones defaulted, so a client sees the
   * full shape a real ROS message has. Unknown types pass through generically.
   */
  toWire(msg: unknown, type: string, encoding: WireEncoding): unknown {
    const schema = this.schemas.message(type);
    if (!schema) return encoding === 'json' ? toJsonValue(msg) : msg;
    return this.encodeObject(msg, schema, encoding);
  }

  /** Like toWire for a schema the caller already holds (service requests and responses). */
  encodeObject(msg: unknown, schema: MessageSchema, encoding: WireEncoding): Record<string, unknown> {
    const src = (msg && typeof msg === 'object' ? msg : {}) as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const f of schema.fields) out[f.name] = this.encodeField(src[f.name], f, encoding);
    return out;
  }

  private encodeField(v: unknown, f: FieldSchema, enc: WireEncoding): unknown {
    if (v === undefined) v = this.defaultField(f);
    if (f.isArray) {
      if (isBinaryField(f)) {
        const bytes = toBytes(v);
        return enc === 'json' ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') : bytes;
      }
      const arr = (Array.isArray(v) || ArrayBuffer.isView(v) ? v : []) as ArrayLike<unknown>;
      if (f.isPrimitive) {
        const make = TYPED_ARRAYS[f.baseType];
        if (!make) return Array.from(arr); // bool[], string[]
        if (enc === 'json') {
          return ArrayBuffer.isView(arr) ? Array.from(arr as ArrayLike<number | bigint>, jsonNumber) : arr;
        }
        // rosbridge's CBOR path skips fixed-size arrays (it only tags sequences).
        if (f.fixedLength !== undefined) return Array.from(arr as ArrayLike<number>);
        return arr instanceof TYPED_ARRAY_CTORS[f.baseType] ? arr : make(arr as ArrayLike<number>);
      }
      return Array.from(arr, (item) => this.encodeComplex(item, f.baseType, enc));
    }
    if (f.isPrimitive) return typeof v === 'bigint' && enc === 'json' ? Number(v) : v;
    return this.encodeComplex(v, f.baseType, enc);
  }

  private encodeComplex(v: unknown, type: string, enc: WireEncoding): unknown {
    const schema = this.schemas.message(type);
    if (!schema) return enc === 'json' ? toJsonValue(v) : v;
    return this.encodeObject(v, schema, enc);
  }

  /**
   * A client's message (JSON-decoded) -> the message cell handlers receive:
   * numeric arrays as number[], uint8[] as Uint8Array, every field present.
   * Throws MessageShapeError with rosbridge's wording on a mismatch.
   */
  fromClient(msg: unknown, type: string): Record<string, unknown> {
    const schema = this.schemas.message(type);
    if (!schema) {
      if (!msg || typeof msg !== 'object' || Array.isArray(msg)) {
        throw new MessageShapeError(`Expected a JSON object for type ${type} but received a ${describe(msg)}`);
      }
      return msg as Record<string, unknown>;
    }
    return this.decodeObject(msg, schema, schema.type, []);
  }

  /** Like fromClient for a schema the caller already holds. */
  decodeObject(msg: unknown, schema: MessageSchema, root: string, stack: string[]): Record<string, unknown> {
    if (!msg || typeof msg !== 'object' || Array.isArray(msg)) {
      throw new MessageShapeError(
        stack.length === 0
          ? `Expected a JSON object for type ${root} but received a ${describe(msg)}`
          : `${root} message requires a ${schema.type} for field ${stack.join('.')}, but got a ${describe(msg)}`,
      );
    }
    const src = msg as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const f of schema.fields) out[f.name] = this.defaultField(f);
    // rosbridge stamps a Header it populates with the current time.
    if (schema.type === 'std_msgs/msg/Header') out.stamp = nowStamp();
    for (const key of Object.keys(src)) {
      const f = schema.fields.find((x) => x.name === key);
      const path = [...stack, key];
      if (!f) throw new MessageShapeError(`Message type ${root} does not have a field ${path.join('.')}`);
      out[key] = this.decodeField(src[key], f, root, path);
    }
    return out;
  }

  private decodeField(v: unknown, f: FieldSchema, root: string, path: string[]): unknown {
    const mismatch = (expected: string) =>
      new MessageShapeError(`${root} message requires a ${expected} for field ${path.join('.')}, but got a ${describe(v)}`);
    if (isBinaryField(f)) {
      // A plain Uint8Array (not a Buffer) so handlers see one byte type.
      if (typeof v === 'string') return new Uint8Array(Buffer.from(v, 'base64'));
      if (Array.isArray(v) && v.every((x) => Number.isInteger(x) && x >= 0 && x <= 255)) return Uint8Array.from(v);
      throw mismatch(`${f.baseType}[] (base64 string or byte list)`);
    }
    if (f.isArray) {
      if (!Array.isArray(v)) throw mismatch(`${f.baseType}[]`);
      if (f.fixedLength !== undefined && v.length !== f.fixedLength) {
        throw new MessageShapeError(
          `${root} message requires ${f.fixedLength} elements for field ${path.join('.')}, but got ${v.length}`,
        );
      }
      return v.map((item, i) => this.decodeScalar(item, f, root, [...path.slice(0, -1), `${f.name}[${i}]`]));
    }
    return this.decodeScalar(v, f, root, path);
  }

  private decodeScalar(v: unknown, f: FieldSchema, root: string, path: string[]): unknown {
    const mismatch = () =>
      new MessageShapeError(`${root} message requires a ${f.baseType} for field ${path.join('.')}, but got a ${describe(v)}`);
    if (!f.isPrimitive) {
      if (TIME_TYPES.has(f.baseType)) {
        if (v === 'now' && f.baseType.endsWith('/Time')) return nowStamp();
        if (!v || typeof v !== 'object' || Array.isArray(v)) throw mismatch();
        const t = v as Record<string, unknown>;
        return { sec: Number(t.sec ?? t.secs ?? 0), nanosec: Number(t.nanosec ?? t.nsecs ?? 0) };
      }
      const schema = this.schemas.message(f.baseType);
      if (!schema) return v;
      return this.decodeObject(v, schema, root, path);
    }
    if (FLOAT_TYPES.has(f.baseType)) {
      if (typeof v !== 'number') throw mismatch();
      return v;
    }
    if (INT_TYPES.has(f.baseType)) {
      if (typeof v !== 'number' || !Number.isInteger(v)) throw mismatch();
      return v;
    }
    if (f.baseType === 'bool') {
      if (typeof v !== 'boolean') throw mismatch();
      return v;
    }
    if (typeof v !== 'string') throw mismatch();
    return v;
  }

  /** The value a freshly constructed ROS message holds in this field. */
  defaultField(f: FieldSchema): unknown {
    if (f.isArray) {
      if (isBinaryField(f)) return new Uint8Array(f.fixedLength ?? 0);
      const n = f.fixedLength ?? 0;
      return Array.from({ length: n }, () => this.defaultField({ ...f, isArray: false, fixedLength: undefined }));
    }
    if (f.defaultValue !== undefined) return f.defaultValue;
    if (f.isPrimitive) {
      if (f.baseType === 'bool') return false;
      if (f.baseType === 'string' || f.baseType === 'wstring') return '';
      return 0;
    }
    const schema = this.schemas.message(f.baseType);
    const out: Record<string, unknown> = {};
    for (const sub of schema?.fields ?? []) out[sub.name] = this.defaultField(sub);
    return out;
  }
}

function jsonNumber(x: number | bigint): number {
  return typeof x === 'bigint' ? Number(x) : x;
}

function nowStamp(): { sec: number; nanosec: number } {
  const ms = Date.now();
  return { sec: Math.floor(ms / 1000), nanosec: (ms % 1000) * 1e6 };
}

/** JSON shape for a message of unknown type: bytes as base64, other typed arrays as lists. */
export function toJsonValue(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return typeof v === 'bigint' ? Number(v) : v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number | bigint>, jsonNumber);
  if (Array.isArray(v)) return v.map(toJsonValue);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = toJsonValue(x);
  return out;
}
