/**
 * How each source sample becomes a recorded ROS 2 message: topics, types and
 * message bodies. One place, so the layout of an episode is read here and in
 * `@cellkit/datasets` (EPISODE_TOPICS), nowhere else.
 */
import { CAMERA_TYPE, EPISODE_TOPICS, GRIPPER_JOINT, cameraTopic } from '@cellkit/datasets/core';

import type { ActionSampleLike, CameraFrameLike, JointSampleLike, RecorderEventLike, WrenchSampleLike } from './RecordingSource.ts';

/** UR driver topic; std_msgs/Float64, 0..1. */
export const SPEED_SCALING_TOPIC = '/speed_scaling_state_broadcaster/speed_scaling';
export const SPEED_SCALING_TYPE = 'std_msgs/msg/Float64';
/** cellkit's datasets package does not define std_msgs/Float64; the text is the upstream one. */
export const SPEED_SCALING_SCHEMA = '# A double-precision value.\nfloat64 data\n';

export type StreamDecl = { topic: string; type: string; schemaText?: string };

/** Every stream an episode of this cell has, declared before the first message. */
export function episodeStreams(cameras: string[]): StreamDecl[] {
  return [
    EPISODE_TOPICS.jointStates,
    EPISODE_TOPICS.wrench,
    EPISODE_TOPICS.action,
    EPISODE_TOPICS.safetyMode,
    { topic: SPEED_SCALING_TOPIC, type: SPEED_SCALING_TYPE, schemaText: SPEED_SCALING_SCHEMA },
    EPISODE_TOPICS.events,
    ...cameras.map((name) => ({ topic: cameraTopic(name), type: CAMERA_TYPE })),
  ];
}

/**
 * sensor_msgs/JointState: the arm joints, then `finger_joint` when the sample
 * has a gripper. Every array is empty or as long as `name` (ROS contract), so
 * the gripper's unknown velocity/effort are NaN.
 */
export function jointStateMessage(s: JointSampleLike, jointNames: string[]): object {
  const withGripper = s.gripper !== undefined;
  const n = jointNames.length + (withGripper ? 1 : 0);
  const position = new Float64Array(n);
  const velocity = new Float64Array(n);
  for (let i = 0; i < jointNames.length; i++) {
    position[i] = s.position[i] ?? Number.NaN;
    velocity[i] = s.velocity[i] ?? Number.NaN;
  }
  let effort = new Float64Array(0);
  if (s.effort.length > 0) {
    effort = new Float64Array(n);
    for (let i = 0; i < jointNames.length; i++) effort[i] = s.effort[i] ?? Number.NaN;
  }
  if (withGripper) {
    position[n - 1] = s.gripper!;
    velocity[n - 1] = Number.NaN;
    if (effort.length > 0) effort[n - 1] = Number.NaN;
  }
  return { name: withGripper ? [...jointNames, GRIPPER_JOINT] : jointNames, position, velocity, effort };
}

export function wrenchMessage(s: WrenchSampleLike): object {
  const [fx, fy, fz] = s.force;
  const [tx, ty, tz] = s.torque;
  return { wrench: { force: { x: fx, y: fy, z: fz }, torque: { x: tx, y: ty, z: tz } } };
}

export function cameraMessage(f: CameraFrameLike): object {
  return { format: f.format, data: f.data };
}

/** cellkit_msgs/JointCommand: the command actually sent. Gripper NaN when none was set. */
export function actionMessage(a: ActionSampleLike, jointNames: string[]): object {
  return { name: jointNames, velocity: Float64Array.from(a.velocities), gripper: a.gripper ?? Number.NaN };
}

export function eventMessage(e: RecorderEventLike): object {
  return { kind: e.kind, code: e.code, message: e.message };
}

/**
 * Events implied by the action stream: who is in control (a takeover when the
 * source changes) and why the robot is held (a stop reason appearing or
 * clearing). Recorded so a dataset can tell teleop from policy frames.
 */
export function actionTransitions(previous: ActionSampleLike | undefined, a: ActionSampleLike): RecorderEventLike[] {
  const out: RecorderEventLike[] = [];
  if (previous === undefined || previous.source !== a.source) {
    out.push({
      stamp: a.stamp,
      kind: 'takeover',
      code: `source.${a.source ?? 'none'}`,
      message: `command source ${previous?.source ?? 'none'} → ${a.source ?? 'none'}`,
    });
  }
  if (previous === undefined ? a.stop !== undefined : previous.stop !== a.stop) {
    out.push({
      stamp: a.stamp,
      kind: 'safety',
      code: a.stop === undefined ? 'stop.cleared' : `stop.${a.stop}`,
      message: a.stop === undefined ? `motion allowed again (was held: ${previous?.stop})` : `motion held: ${a.stop}`,
    });
  }
  return out;
}

/** Width and height from a JPEG's SOF marker, without decoding it. */
export function jpegSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  let i = 2;
  while (i + 9 < bytes.length) {
    if (bytes[i] !== 0xff) return undefined;
    const marker = bytes[i + 1]!;
    const length = (bytes[i + 2]! << 8) | bytes[i + 3]!;
    // SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: (bytes[i + 5]! << 8) | bytes[i + 6]!, width: (bytes[i + 7]! << 8) | bytes[i + 8]! };
    }
    i += 2 + length;
  }
  return undefined;
}
