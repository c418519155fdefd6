import { parse } from '@foxglove/rosmsg';
import { describe, expect, it } from 'vitest';

import { knownRos2Types, ros2SchemaText } from './definitions.ts';
import type { CompressedImage, Event, JointCommand, JointState, WrenchStamped } from './messages.ts';
import { Ros2Codec } from './Ros2Codec.ts';
import { nsToSeconds, ros2TimeToSeconds, secondsToNs, secondsToRos2Time } from './time.ts';

const header = (t: number) => ({ stamp: secondsToRos2Time(t), frame_id: 'base' });

describe('ros2 definitions', () => {
  it('every known type has a schema text that parses as ROS 2 with all dependencies', () => {
    for (const type of knownRos2Types()) {
      const text = ros2SchemaText(type);
      const defs = parse(text, { ros2: true });
      expect(defs[0]!.name).toBeUndefined();
      const separators = text.split('\n').filter((line) => line === '='.repeat(80)).length;
      expect(defs.length).toBe(separators + 1);
    }
  });

  it('lists each dependency once, transitively', () => {
    const text = ros2SchemaText('geometry_msgs/msg/WrenchStamped');
    const msgLines = text.split('\n').filter((line) => line.startsWith('MSG: '));
    expect(msgLines.sort()).toEqual(
      [
        'MSG: builtin_interfaces/Time',
        'MSG: geometry_msgs/Vector3',
        'MSG: geometry_msgs/Wrench',
        'MSG: std_msgs/Header',
      ].sort(),
    );
  });

  it('names the unknown type and what to do', () => {
    expect(() => ros2SchemaText('foo_msgs/msg/Bar')).toThrow(/foo_msgs\/msg\/Bar.*definitions\.ts/);
  });
});

describe('Ros2Codec round trips', () => {
  it('JointState', () => {
    const msg: JointState = {
      header: header(1_700_000_000.123456),
      name: ['shoulder_pan_joint', 'finger_joint'],
      position: [0.1, -0.2],
      velocity: [1.5, 0],
      effort: [],
    };
    const codec = Ros2Codec.for('sensor_msgs/msg/JointState');
    const out = codec.decode<JointState>(codec.encode(msg));
    expect(out.name).toEqual(msg.name);
    expect(Array.from(out.position)).toEqual(msg.position);
    expect(Array.from(out.velocity)).toEqual(msg.velocity);
    expect(Array.from(out.effort)).toEqual([]);
    expect(out.header).toEqual(msg.header);
  });

  it('WrenchStamped, CompressedImage, SafetyMode, JointCommand, Event, Float64MultiArray', () => {
    const wrench: WrenchStamped = {
      header: header(12.5),
      wrench: { force: { x: 1, y: 2, z: 3 }, torque: { x: -0.1, y: 0.2, z: -0.3 } },
    };
    expect(Ros2Codec.for('geometry_msgs/WrenchStamped').decode(Ros2Codec.for('geometry_msgs/WrenchStamped').encode(wrench))).toEqual(wrench);

    const image: CompressedImage = { header: header(3), format: 'jpeg', data: new Uint8Array([255, 216, 1, 2, 3]) };
    const imageOut = Ros2Codec.for('sensor_msgs/msg/CompressedImage').decode<CompressedImage>(
      Ros2Codec.for('sensor_msgs/msg/CompressedImage').encode(image),
    );
    expect(imageOut.format).toBe('jpeg');
    expect(Array.from(imageOut.data)).toEqual(Array.from(image.data));

    const safety = Ros2Codec.for('ur_dashboard_msgs/msg/SafetyMode');
    expect(safety.decode(safety.encode({ mode: 3 }))).toEqual({ mode: 3 });

    const command: JointCommand = { header: header(4), name: ['a', 'b'], velocity: [0.5, -0.5], gripper: 0.4 };
    const commandCodec = Ros2Codec.for('cellkit_msgs/msg/JointCommand');
    const commandOut = commandCodec.decode<JointCommand>(commandCodec.encode(command));
    expect(commandOut.gripper).toBe(0.4);
    expect(Array.from(commandOut.velocity)).toEqual([0.5, -0.5]);

    const event: Event = { header: header(5), kind: 'safety', code: 'protective_stop', message: 'Protective stop' };
    const eventCodec = Ros2Codec.for('cellkit_msgs/msg/Event');
    expect(eventCodec.decode(eventCodec.encode(event))).toEqual(event);

    const array = Ros2Codec.for('std_msgs/msg/Float64MultiArray');
    const arrayOut = array.decode<{ data: Float64Array }>(
      array.encode({ layout: { dim: [], data_offset: 0 }, data: [1, 2, 3] }),
    );
    expect(Array.from(arrayOut.data)).toEqual([1, 2, 3]);
  });
});

describe('time', () => {
  it('round trips seconds through ns and ROS time to below a microsecond', () => {
    for (const t of [0, 1.5, 1_700_000_000.000001, 1_799_999_999.999999]) {
      expect(Math.abs(nsToSeconds(secondsToNs(t)) - t)).toBeLessThan(1e-6);
      expect(Math.abs(ros2TimeToSeconds(secondsToRos2Time(t)) - t)).toBeLessThan(1e-6);
    }
    expect(secondsToNs(2.5)).toBe(2_500_000_000n);
    expect(() => secondsToNs(Number.NaN)).toThrow(/NaN/);
  });
});
