/**
 * The topics and services of a UR cell running `ur_robot_driver` (ROS 2)
 * behind `rosbridge_server` — the cell contract in DESIGN.md. The sim cell
 * serves exactly these; the bridge's `ur` profile maps the same names.
 */
export const UR_TOPICS = {
  jointStates: { name: '/joint_states', type: 'sensor_msgs/msg/JointState', rateHz: 500 },
  wrench: { name: '/force_torque_sensor_broadcaster/wrench', type: 'geometry_msgs/msg/WrenchStamped', rateHz: 500 },
  velocityCommand: { name: '/forward_velocity_controller/commands', type: 'std_msgs/msg/Float64MultiArray' },
  safetyMode: { name: '/io_and_status_controller/safety_mode', type: 'ur_dashboard_msgs/msg/SafetyMode' },
  programRunning: { name: '/io_and_status_controller/robot_program_running', type: 'std_msgs/msg/Bool' },
  speedScaling: { name: '/speed_scaling_state_broadcaster/speed_scaling', type: 'std_msgs/msg/Float64', rateHz: 100 },
  gripperCommand: { name: '/gripper_controller/commands', type: 'std_msgs/msg/Float64MultiArray' },
} as const;

export const UR_SERVICES = {
  stop: { name: '/dashboard_client/stop', type: 'std_srvs/srv/Trigger' },
  play: { name: '/dashboard_client/play', type: 'std_srvs/srv/Trigger' },
  unlockProtectiveStop: { name: '/dashboard_client/unlock_protective_stop', type: 'std_srvs/srv/Trigger' },
} as const;

/** Sim-only topics and services: task control for data generation and evaluation. */
export const SIM_TOPICS = {
  taskStatus: { name: '/cell/task_status', type: 'cellkit_msgs/msg/TaskStatus', rateHz: 10 },
  objectPoses: { name: '/cell/object_poses', type: 'cellkit_msgs/msg/ObjectPoses', rateHz: 50 },
} as const;

export const SIM_SERVICES = {
  reset: { name: '/cell/reset', type: 'cellkit_msgs/srv/ResetCell' },
  /** Tracking error on velocity commands until the next reset (DART demonstrations). */
  setDisturbance: { name: '/cell/set_disturbance', type: 'cellkit_msgs/srv/SetDisturbance' },
} as const;

export const CAMERA_TYPE = 'sensor_msgs/msg/CompressedImage';
export const cameraTopic = (name: string) => `/camera/${name}/image_raw/compressed`;
