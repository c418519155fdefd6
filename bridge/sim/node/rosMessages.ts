/**
 * The ROS 2 message shapes the sim cell publishes and accepts, as rosbridge
 * carries them in JSON (field names mirror ROS, so they stay snake_case).
 * Only what the cell contract in DESIGN.md needs; full definitions live in
 * `@cellkit/datasets` (ros2msg schemas for MCAP).
 */
export interface Time { sec: number; nanosec: number }
export interface Header { stamp: Time; frame_id: string }
export interface Vector3 { x: number; y: number; z: number }

export interface JointState { header: Header; name: string[]; position: number[]; velocity: number[]; effort: number[] }
export interface WrenchStamped { header: Header; wrench: { force: Vector3; torque: Vector3 } }
export interface Float64MultiArray { layout: { dim: { label: string; size: number; stride: number }[]; data_offset: number }; data: number[] }
export interface Float64 { data: number }
export interface Bool { data: boolean }
export interface SafetyMode { mode: number }
/** `data` is bytes; rosbridge carries it as base64 in JSON and as a byte string in CBOR. */
export interface CompressedImage { header: Header; format: string; data: Uint8Array }
export interface TriggerResponse { success: boolean; message: string }

/** Sim-only messages under `/cell/...` (package `cellkit_msgs`). */
export interface TaskStatus { header: Header; task: string; success: boolean; progress: number }
export interface Pose { position: { x: number; y: number; z: number }; orientation: { x: number; y: number; z: number; w: number } }
export interface ObjectPoses { header: Header; names: string[]; poses: Pose[] }
export interface ResetCellRequest { task?: string; seed?: number }
export interface SetDisturbanceRequest { sigma?: number; tau?: number; seed?: number }

/** ur_dashboard_msgs/msg/SafetyMode constants (the real driver's values), defined once by the safety layer. */
export { UR_SAFETY_MODE as SAFETY_MODE } from '../../src/safety/index.ts';

/** Seconds since the epoch → ROS time (sec, nanosec), without float drift in nanosec. */
export function toRosTime(t: number): Time {
  const sec = Math.floor(t);
  let nanosec = Math.round((t - sec) * 1e9);
  if (nanosec >= 1e9) return { sec: sec + 1, nanosec: 0 };
  if (nanosec < 0) nanosec = 0;
  return { sec, nanosec };
}

export function fromRosTime(t: Time): number {
  return t.sec + t.nanosec * 1e-9;
}

export function header(t: number, frameId: string): Header {
  return { stamp: toRosTime(t), frame_id: frameId };
}
