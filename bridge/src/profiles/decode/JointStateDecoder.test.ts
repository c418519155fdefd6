import { describe, expect, it } from 'vitest';
import { decodeBytes } from './decodeBytes.ts';
import { JointStateDecoder } from './JointStateDecoder.ts';
import { fromRosTime, headerStamp, toRosTime } from './rosTime.ts';

const ARM = ['a', 'b', 'c'];
const stamp = { sec: 100, nanosec: 500_000_000 };

describe('JointStateDecoder', () => {
  const make = () => new JointStateDecoder({ topic: '/joint_states', jointNames: ARM, gripper: { joint: 'finger_joint', closedPosition: 0.8 } });

  it('reorders by name, accepts typed arrays (CBOR) and fills missing velocity/effort with zeros', () => {
    const r = make().decode({ header: { stamp }, name: ['c', 'finger_joint', 'a', 'b'], position: new Float64Array([3, 0.4, 1, 2]), velocity: [], effort: [] }, 7);
    expect(r).toEqual({ kind: 'joints', sample: { stamp: 100.5, receivedAt: 7, position: [1, 2, 3], velocity: [0, 0, 0], effort: [0, 0, 0], gripper: 0.5 } });
  });

  it('takes the gripper from a separate gripper-only message and reports it with the next arm sample', () => {
    const d = make();
    expect(d.decode({ header: { stamp }, name: ['finger_joint'], position: [0.8] }, 1)).toEqual({ kind: 'none' });
    const r = d.decode({ header: { stamp }, name: ARM, position: [1, 2, 3], velocity: [4, 5, 6] }, 1);
    expect(r.kind === 'joints' && r.sample.gripper).toBe(1);
    expect(r.kind === 'joints' && r.sample.velocity).toEqual([4, 5, 6]);
  });

  it('reports missing arm joints and malformed messages as problems with a tip', () => {
    const r = make().decode({ name: ['a', 'c'], position: [1, 3] }, 1);
    expect(r.kind).toBe('problem');
    if (r.kind === 'problem') {
      expect(r.problem.message).toMatch(/missing b/);
      expect(r.problem.tip).toMatch(/jointNames/);
    }
    expect(make().decode({ name: ['a'], position: 'x' }, 1).kind).toBe('problem');
    expect(make().decode({ name: ARM, position: [1, NaN, 3] }, 1).kind).toBe('problem');
  });

  it('uses the arrival time when the driver leaves stamps at zero', () => {
    const r = make().decode({ header: { stamp: { sec: 0, nanosec: 0 } }, name: ARM, position: [1, 2, 3] }, 42);
    expect(r.kind === 'joints' && r.sample.stamp).toBe(42);
  });
});

describe('ROS time and bytes', () => {
  it('reads ROS 1 and ROS 2 times and writes them back without float drift', () => {
    expect(fromRosTime({ secs: 3, nsecs: 250_000_000 })).toBe(3.25);
    expect(fromRosTime({ sec: 3, nanosec: 250_000_000 })).toBe(3.25);
    expect(fromRosTime({ foo: 1 })).toBeUndefined();
    expect(toRosTime(1795500000.999999999, 2)).toEqual({ sec: 1795500001, nanosec: 0 });
    expect(toRosTime(12.5, 1)).toEqual({ secs: 12, nsecs: 500_000_000 });
    expect(headerStamp({}, 9)).toBe(9);
  });

  it('decodes base64 (JSON) and byte strings (CBOR) alike', () => {
    const jpeg = Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 16);
    expect(decodeBytes(btoa(String.fromCharCode(...jpeg)))).toEqual(jpeg);
    expect(decodeBytes(jpeg)).toBe(jpeg);
    expect(decodeBytes(jpeg.buffer)).toEqual(jpeg);
    expect(decodeBytes([1, 2])).toEqual(Uint8Array.of(1, 2));
    expect(decodeBytes({})).toBeUndefined();
  });
});
