// The codec against the bytes and shapes rosbridge produces, decoded with the
// CBOR library roslib itself uses (cbor2).
import { decode } from 'cbor2';
import { describe, expect, it } from 'vitest';
import { MessageCodec, MessageShapeError } from './MessageCodec.ts';
import { MessageSchemas } from './MessageSchemas.ts';
import { OutgoingMessage } from './OutgoingMessage.ts';

const codec = new MessageCodec(new MessageSchemas());

describe('MessageCodec.toWire', () => {
  it('tags float64[] as RFC 8746 little-endian float64 (tag 86) and uint8[] as a byte string in CBOR', () => {
    const out = new OutgoingMessage(
      { format: 'jpeg', data: [1, 2, 3] },
      'sensor_msgs/msg/CompressedImage',
      codec,
    ).frame('cbor', '/img').data;
    const hex = Buffer.from(out).toString('hex');
    expect(hex).toContain('43010203'); // major type 2 (bytes), length 3, untagged
    const js = new OutgoingMessage({ position: [1.5] }, 'sensor_msgs/msg/JointState', codec).frame('cbor', '/js').data;
    // d8 56 = tag 86, 48 = 8-byte string, then 1.5 as float64 little endian
    expect(Buffer.from(js).toString('hex')).toContain('d85648000000000000f83f');
    const decoded = decode(js) as { op: string; topic: string; msg: { position: Float64Array; velocity: Float64Array } };
    expect(decoded.op).toBe('publish');
    expect(decoded.topic).toBe('/js');
    expect(decoded.msg.position).toBeInstanceOf(Float64Array);
    expect(decoded.msg.velocity).toBeInstanceOf(Float64Array);
  });

  it('writes JSON frames once per topic spelling with base64 bytes', () => {
    const m = new OutgoingMessage({ format: 'png', data: new Uint8Array([0, 255]) }, 'sensor_msgs/msg/CompressedImage', codec);
    const a = m.frame('none', '/img');
    expect(a.binary).toBe(false); // a text frame, as rosbridge sends JSON
    expect(m.frame('none', '/img')).toBe(a); // cached, not re-encoded
    expect(JSON.parse(Buffer.from(a.data).toString())).toEqual({
      op: 'publish', topic: '/img',
      msg: { header: { stamp: { sec: 0, nanosec: 0 }, frame_id: '' }, format: 'png', data: 'AP8=' },
    });
    expect(JSON.parse(Buffer.from(m.frame('none', 'img').data).toString()).topic).toBe('img');
  });

  it('uses definition defaults (Quaternion w = 1) and maps NaN to null in JSON like rosbridge', () => {
    expect(codec.toWire({}, 'geometry_msgs/msg/Pose', 'json')).toEqual({
      position: { x: 0, y: 0, z: 0 },
      orientation: { x: 0, y: 0, z: 0, w: 1 },
    });
    expect(JSON.stringify(codec.toWire({ data: NaN }, 'std_msgs/msg/Float64', 'json'))).toBe('{"data":null}');
  });

  it('passes unknown types through, bytes as base64 in JSON and typed arrays as lists', () => {
    const msg = { names: ['a'], raw: new Uint8Array([1]), v: new Float32Array([0.5]) };
    expect(codec.toWire(msg, 'cellkit_msgs/msg/Custom', 'json')).toEqual({ names: ['a'], raw: 'AQ==', v: [0.5] });
    expect(codec.toWire(msg, 'cellkit_msgs/msg/Custom', 'cbor')).toBe(msg);
  });
});

describe('MessageCodec.fromClient', () => {
  it('fills defaults, decodes base64 bytes and stamps a given header with the current time', () => {
    const before = Math.floor(Date.now() / 1000);
    const m = codec.fromClient({ header: { frame_id: 'cam' }, data: 'AP8=' }, 'sensor_msgs/CompressedImage');
    expect(m.format).toBe('');
    expect(m.data).toEqual(new Uint8Array([0, 255]));
    const h = m.header as { stamp: { sec: number }; frame_id: string };
    expect(h.frame_id).toBe('cam');
    expect(h.stamp.sec).toBeGreaterThanOrEqual(before);
  });

  it('accepts integers for float fields but not floats for integer fields, nor booleans for numbers', () => {
    expect(codec.fromClient({ data: 2 }, 'std_msgs/msg/Float64')).toEqual({ data: 2 });
    expect(() => codec.fromClient({ data: 1.5 }, 'std_msgs/msg/Int32')).toThrow(
      'std_msgs/msg/Int32 message requires a int32 for field data, but got a number',
    );
    expect(() => codec.fromClient({ data: true }, 'std_msgs/msg/Float64')).toThrow(MessageShapeError);
    expect(() => codec.fromClient({ mode: 'NORMAL' }, 'ur_dashboard_msgs/msg/SafetyMode')).toThrow('requires a uint8 for field mode');
  });

  it('rejects non-objects and unknown fields with rosbridge wording', () => {
    expect(() => codec.fromClient([1], 'std_msgs/msg/Float64')).toThrow(
      'Expected a JSON object for type std_msgs/msg/Float64 but received a array',
    );
    expect(() => codec.fromClient({ wrench: { force: { w: 1 } } }, 'geometry_msgs/msg/WrenchStamped')).toThrow(
      'Message type geometry_msgs/msg/WrenchStamped does not have a field wrench.force.w',
    );
  });
});

describe('MessageSchemas', () => {
  it('accepts extra definitions and reports a malformed one with the offending line', () => {
    const schemas = new MessageSchemas({ messages: { 'cellkit_msgs/TaskStatus': 'std_msgs/Header header\nstring task\nbool success\nfloat64 progress' } });
    const c = new MessageCodec(schemas);
    expect(c.toWire({ task: 'pick' }, 'cellkit_msgs/msg/TaskStatus', 'json')).toEqual({
      header: { stamp: { sec: 0, nanosec: 0 }, frame_id: '' }, task: 'pick', success: false, progress: 0,
    });
    expect(() => schemas.addMessage('x/Bad', 'float64')).toThrow('expected "<type> <name>" on each line, found "float64"');
    expect(() => schemas.addService('x/BadSrv', 'bool a')).toThrow("expected one '---' line");
  });
});
