import jpeg from 'jpeg-js';

import type { EpisodeWriter } from '../EpisodeWriter.ts';
import { EPISODE_TOPICS, GRIPPER_JOINT, SAFETY_MODE, cameraTopic, CAMERA_TYPE } from '../ros2/messages.ts';

/**
 * A deterministic fake recording: the stream mix of a UR cell with a gripper
 * and two cameras, with per-message receive latency. Values are closed-form
 * functions of the source stamp so tests can compute what an aligned reader
 * must return instead of hard-coding it.
 */

export const SYNTHETIC_JOINTS = [
  'shoulder_pan_joint',
  'shoulder_lift_joint',
  'elbow_joint',
  'wrist_1_joint',
  'wrist_2_joint',
  'wrist_3_joint',
];

/** Joint i position at source time t (rad). */
export const syntheticPosition = (i: number, t: number): number => Math.sin(0.7 * t + i);
/** Joint i velocity at source time t (rad/s). */
export const syntheticVelocity = (i: number, t: number): number => 0.7 * Math.cos(0.7 * t + i);
/** finger_joint position (rad). */
export const syntheticGripper = (t: number): number => 0.4 + 0.4 * Math.sin(0.3 * t);
/** Wrench component k (N, N·m). */
export const syntheticWrench = (k: number, t: number): number => 10 * Math.sin(2 * t + k);
/** Commanded velocity for joint i (rad/s). */
export const syntheticCommand = (i: number, t: number): number => 0.5 * Math.cos(0.9 * t + i);

/** The camera frame index encoded in a frame's top-left 16×16 block: gray = 8·(index mod 30) + 8. */
export const frameMarkerGray = (index: number): number => 8 * (index % 30) + 8;

export type SyntheticEpisodeOptions = {
  /** Epoch seconds of the first sample. */
  start?: number;
  /** Seconds of data. */
  duration: number;
  jointRate?: number;
  wrenchRate?: number;
  actionRate?: number;
  cameraRate?: number;
  cameras?: string[];
  width?: number;
  height?: number;
  /** Seconds to the gap in `cameraDropout` (frames with stamps inside are not written). */
  cameraDropout?: { name: string; from: number; to: number };
  seed?: number;
};

/** Stable 32-bit PRNG (mulberry32) so every run writes the same file. */
export function makeRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A textured test frame of about 5 KB as JPEG, with the index marker block. */
export function syntheticJpeg(index: number, width: number, height: number, seed = 1): Uint8Array {
  const random = makeRandom(seed * 7919 + index);
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      const marker = x < 16 && y < 16;
      const base = ((x * 3 + y * 2 + index * 5) & 0xff) ^ (random() < 0.004 ? 0x30 : 0);
      rgba[o] = marker ? frameMarkerGray(index) : base;
      rgba[o + 1] = marker ? frameMarkerGray(index) : (base + 85) & 0xff;
      rgba[o + 2] = marker ? frameMarkerGray(index) : (255 - base) & 0xff;
      rgba[o + 3] = 255;
    }
  }
  return new Uint8Array(jpeg.encode({ data: rgba, width, height }, 70).data);
}

export type SyntheticMessage = { receiveTime: number; topic: string; stamp: number; msg: object };

/** The streams of a synthetic episode: [topic, type]. */
export function syntheticStreams(cameras: string[] = ['scene', 'wrist']): [string, string][] {
  return [
    [EPISODE_TOPICS.jointStates.topic, EPISODE_TOPICS.jointStates.type],
    [EPISODE_TOPICS.wrench.topic, EPISODE_TOPICS.wrench.type],
    [EPISODE_TOPICS.action.topic, EPISODE_TOPICS.action.type],
    [EPISODE_TOPICS.safetyMode.topic, EPISODE_TOPICS.safetyMode.type],
    [EPISODE_TOPICS.events.topic, EPISODE_TOPICS.events.type],
    ...cameras.map((name): [string, string] => [cameraTopic(name), CAMERA_TYPE]),
  ];
}

/** Every message of a synthetic episode, in receive-time order, as a recorder would see them. */
export function syntheticMessages(options: SyntheticEpisodeOptions): SyntheticMessage[] {
  const start = options.start ?? 1_767_225_600; // 2026-01-01T00:00:00Z
  const cameras = options.cameras ?? ['scene', 'wrist'];
  const width = options.width ?? 160;
  const height = options.height ?? 120;
  const random = makeRandom(options.seed ?? 42);
  // 30 distinct JPEGs per camera, cycled: JPEG encoding is not what is under
  // test, and 30 matches the marker period so frame k shows marker k mod 30.
  const pool = 30;

  const jpegs = new Map(
    cameras.map((name, c) => [
      name,
      Array.from({ length: pool }, (_, k) => syntheticJpeg(k, width, height, c + 1)),
    ]),
  );

  // Generate every message with a stamp, then write in receive-time order,
  // as a recorder would see them.
  const pending: SyntheticMessage[] = [];
  const latency = (): number => 0.0005 + random() * 0.002;
  const each = (rate: number, make: (k: number, t: number) => SyntheticMessage | undefined): void => {
    for (let k = 0; k * (1 / rate) < options.duration; k++) {
      const item = make(k, start + k / rate);
      if (item) pending.push(item);
    }
  };
  each(options.jointRate ?? 500, (_k, t) => ({
    topic: EPISODE_TOPICS.jointStates.topic,
    stamp: t,
    receiveTime: t + latency(),
    msg: {
      name: [...SYNTHETIC_JOINTS, GRIPPER_JOINT],
      position: [...SYNTHETIC_JOINTS.map((_, i) => syntheticPosition(i, t - start)), syntheticGripper(t - start)],
      velocity: [...SYNTHETIC_JOINTS.map((_, i) => syntheticVelocity(i, t - start)), 0],
      effort: [],
    },
  }));
  each(options.wrenchRate ?? 500, (_k, t) => {
    const w = (k: number): number => syntheticWrench(k, t - start);
    return {
      topic: EPISODE_TOPICS.wrench.topic,
      stamp: t,
      receiveTime: t + latency(),
      msg: { wrench: { force: { x: w(0), y: w(1), z: w(2) }, torque: { x: w(3), y: w(4), z: w(5) } } },
    };
  });
  each(options.actionRate ?? 125, (_k, t) => ({
    topic: EPISODE_TOPICS.action.topic,
    stamp: t,
    receiveTime: t + latency(),
    msg: {
      name: SYNTHETIC_JOINTS,
      velocity: SYNTHETIC_JOINTS.map((_, i) => syntheticCommand(i, t - start)),
      gripper: syntheticGripper(t - start),
    },
  }));
  for (const name of cameras) {
    each(options.cameraRate ?? 30, (k, t) => {
      const gap = options.cameraDropout;
      if (gap && gap.name === name && t - start >= gap.from && t - start < gap.to) return undefined;
      return {
        topic: cameraTopic(name),
        stamp: t,
        // Cameras arrive late: exposure + transfer.
        receiveTime: t + 0.02 + latency(),
        msg: { format: 'jpeg', data: jpegs.get(name)![k % jpegs.get(name)!.length]! },
      };
    });
  }
  pending.push({
    topic: EPISODE_TOPICS.safetyMode.topic,
    stamp: start,
    receiveTime: start,
    msg: { mode: SAFETY_MODE.NORMAL },
  });
  pending.push({
    topic: EPISODE_TOPICS.events.topic,
    stamp: start,
    receiveTime: start,
    msg: { kind: 'marker', code: 'start', message: 'synthetic episode' },
  });
  return pending.sort((a, b) => a.receiveTime - b.receiveTime);
}

/**
 * Adds the canonical streams to `writer` and writes `duration` seconds of
 * data in receive-time order.
 */
export async function writeSyntheticEpisode(
  writer: EpisodeWriter,
  options: SyntheticEpisodeOptions,
): Promise<{ messageCount: number; start: number; end: number }> {
  for (const [topic, type] of syntheticStreams(options.cameras)) await writer.addStream(topic, type);
  const pending = syntheticMessages(options);
  for (const p of pending) {
    await writer.write(p.topic, { stamp: p.stamp, receiveTime: p.receiveTime, msg: p.msg });
  }
  return {
    messageCount: pending.length,
    start: pending[0]!.receiveTime,
    end: pending[pending.length - 1]!.receiveTime,
  };
}
