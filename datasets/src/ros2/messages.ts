/**
 * TypeScript shapes of the recorded ROS 2 messages, as the CDR codec reads and
 * writes them. Field names mirror ROS (snake_case), see definitions.ts.
 */
import type { Ros2Time } from './time.ts';

export type Header = { stamp: Ros2Time; frame_id: string };

export type JointState = {
  header: Header;
  name: string[];
  position: Float64Array | number[];
  velocity: Float64Array | number[];
  effort: Float64Array | number[];
};

export type Vector3 = { x: number; y: number; z: number };

export type WrenchStamped = { header: Header; wrench: { force: Vector3; torque: Vector3 } };

export type CompressedImage = { header: Header; format: string; data: Uint8Array };

export type SafetyMode = { mode: number };

export type JointCommand = {
  header: Header;
  name: string[];
  velocity: Float64Array | number[];
  gripper: number;
};

export type Event = { header: Header; kind: string; code: string; message: string };

/** ur_dashboard_msgs/msg/SafetyMode constants. */
export const SAFETY_MODE = {
  NORMAL: 1,
  REDUCED: 2,
  PROTECTIVE_STOP: 3,
  RECOVERY: 4,
  SAFEGUARD_STOP: 5,
  SYSTEM_EMERGENCY_STOP: 6,
  ROBOT_EMERGENCY_STOP: 7,
  VIOLATION: 8,
  FAULT: 9,
  VALIDATE_JOINT_ID: 10,
  UNDEFINED_SAFETY_MODE: 11,
  AUTOMATIC_MODE_SAFEGUARD_STOP: 12,
  SYSTEM_THREE_POSITION_ENABLING_STOP: 13,
} as const;

/** The canonical topics of an episode and their types (DESIGN.md, cell contract). */
export const EPISODE_TOPICS = {
  jointStates: { topic: '/joint_states', type: 'sensor_msgs/msg/JointState' },
  wrench: { topic: '/force_torque_sensor_broadcaster/wrench', type: 'geometry_msgs/msg/WrenchStamped' },
  safetyMode: { topic: '/io_and_status_controller/safety_mode', type: 'ur_dashboard_msgs/msg/SafetyMode' },
  action: { topic: '/cellkit/action', type: 'cellkit_msgs/msg/JointCommand' },
  events: { topic: '/cellkit/events', type: 'cellkit_msgs/msg/Event' },
} as const;

export const CAMERA_TYPE = 'sensor_msgs/msg/CompressedImage';

/** `/camera/<name>/image_raw/compressed` for a camera name. */
export function cameraTopic(name: string): string {
  return `/camera/${name}/image_raw/compressed`;
}

/** The camera name of a camera topic, or undefined if it is not one. */
export function cameraNameOf(topic: string): string | undefined {
  const match = /^\/camera\/([^/]+)\/image_raw\/compressed$/.exec(topic);
  return match?.[1];
}

/** Name of the gripper joint inside /joint_states. */
export const GRIPPER_JOINT = 'finger_joint';
