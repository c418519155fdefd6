import type { RobotProfile } from '../RobotProfile.ts';
import { createUrDriverAdapter } from '../ur/createUrDriverAdapter.ts';

/**
 * Universal Robots with the ROS 1 ur_robot_driver (Noetic) behind
 * rosbridge_server. ROS 1 type names, `{secs, nsecs}` stamps, speed scaling
 * as a 0..1 factor. No gripper by default (ROS 1 cells wire grippers many
 * ways); set `gripper` in the cell config if it reports a joint.
 */
export const urRos1Profile: RobotProfile = {
  name: 'ur-ros1',
  summary: 'Universal Robots, ur_robot_driver (ROS 1)',
  topics: {
    jointStates: { name: '/joint_states', type: 'sensor_msgs/JointState' },
    wrench: { name: '/wrench', type: 'geometry_msgs/WrenchStamped' },
    velocityCommand: { name: '/joint_group_vel_controller/command', type: 'std_msgs/Float64MultiArray' },
    safetyMode: { name: '/ur_hardware_interface/safety_mode', type: 'ur_dashboard_msgs/SafetyMode' },
    speedScaling: { name: '/speed_scaling_factor', type: 'std_msgs/Float64' },
    camera: { name: '/camera/{name}/image_raw/compressed', type: 'sensor_msgs/CompressedImage' },
    unlockProtectiveStop: { name: '/ur_hardware_interface/dashboard/unlock_protective_stop', type: 'std_srvs/Trigger' },
    stopProgram: { name: '/ur_hardware_interface/dashboard/stop', type: 'std_srvs/Trigger' },
    playProgram: { name: '/ur_hardware_interface/dashboard/play', type: 'std_srvs/Trigger' },
  },
  defaults: { arm: 'ur5e', cameras: [], gripper: null },
  createAdapter(settings) {
    return createUrDriverAdapter(this, { speedScalingUnit: 'fraction', gripperCommandType: 'std_msgs/Float64MultiArray' }, settings);
  },
};
