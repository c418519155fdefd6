import type { RobotProfile } from '../RobotProfile.ts';
import { createUrDriverAdapter } from './createUrDriverAdapter.ts';

/**
 * Universal Robots e-Series with ur_robot_driver (ROS 2) behind
 * rosbridge_server: the cell contract in DESIGN.md, which the sim serves.
 * The gripper (on by default, like the sim) is a `finger_joint` in the joint
 * states, 0 open … 0.8 rad closed, commanded 0..1 on its own controller.
 */
export const urProfile: RobotProfile = {
  name: 'ur',
  summary: 'Universal Robots e-Series, ur_robot_driver (ROS 2)',
  topics: {
    jointStates: { name: '/joint_states', type: 'sensor_msgs/msg/JointState' },
    wrench: { name: '/force_torque_sensor_broadcaster/wrench', type: 'geometry_msgs/msg/WrenchStamped' },
    velocityCommand: { name: '/forward_velocity_controller/commands', type: 'std_msgs/msg/Float64MultiArray' },
    safetyMode: { name: '/io_and_status_controller/safety_mode', type: 'ur_dashboard_msgs/msg/SafetyMode' },
    speedScaling: { name: '/speed_scaling_state_broadcaster/speed_scaling', type: 'std_msgs/msg/Float64' },
    /** `{name}` is replaced by each camera's name. */
    camera: { name: '/camera/{name}/image_raw/compressed', type: 'sensor_msgs/msg/CompressedImage' },
    unlockProtectiveStop: { name: '/dashboard_client/unlock_protective_stop', type: 'std_srvs/srv/Trigger' },
    stopProgram: { name: '/dashboard_client/stop', type: 'std_srvs/srv/Trigger' },
    playProgram: { name: '/dashboard_client/play', type: 'std_srvs/srv/Trigger' },
  },
  defaults: {
    arm: 'ur5e',
    cameras: [],
    gripper: { joint: 'finger_joint', closedPosition: 0.8, commandTopic: '/gripper_controller/commands' },
  },
  createAdapter(settings) {
    return createUrDriverAdapter(this, { speedScalingUnit: 'percent', gripperCommandType: 'std_msgs/msg/Float64MultiArray' }, settings);
  },
};
