import type { FeatureSpec } from './datasetTypes.ts';
import { EPISODE_TOPICS, GRIPPER_JOINT, cameraTopic } from './ros2/messages.ts';

export type FeatureLayout = {
  /** Arm joint names, in /joint_states naming (without the gripper). */
  joints: string[];
  /** True when /joint_states carries finger_joint. */
  gripper: boolean;
  /** Cameras and their native size. */
  cameras: { name: string; width: number; height: number }[];
};

/**
 * The `dataset.json` feature list for a cell, named exactly as AlignedReader
 * names its outputs, so a trainer can map features to arrays without guessing.
 */
export function featuresFor(layout: FeatureLayout): FeatureSpec[] {
  const { joints } = layout;
  const features: FeatureSpec[] = [
    { name: 'observation.joint_position', dtype: 'float32', shape: [joints.length], names: joints, units: 'rad', topic: EPISODE_TOPICS.jointStates.topic },
    { name: 'observation.joint_velocity', dtype: 'float32', shape: [joints.length], names: joints, units: 'rad/s', topic: EPISODE_TOPICS.jointStates.topic },
  ];
  if (layout.gripper) {
    features.push({ name: 'observation.gripper', dtype: 'float32', shape: [1], names: [GRIPPER_JOINT], units: '0 open … 1 closed', topic: EPISODE_TOPICS.jointStates.topic });
  }
  features.push(
    {
      name: 'observation.wrench',
      dtype: 'float32',
      shape: [6],
      names: ['force.x', 'force.y', 'force.z', 'torque.x', 'torque.y', 'torque.z'],
      units: ['N', 'N', 'N', 'N·m', 'N·m', 'N·m'],
      topic: EPISODE_TOPICS.wrench.topic,
    },
    {
      name: 'action',
      dtype: 'float32',
      shape: [joints.length + 1],
      names: [...joints, 'gripper'],
      units: [...joints.map(() => 'rad/s'), '0 open … 1 closed'],
      topic: EPISODE_TOPICS.action.topic,
    },
  );
  for (const camera of layout.cameras) {
    features.push({
      name: `observation.images.${camera.name}`,
      dtype: 'uint8',
      shape: [camera.height, camera.width, 3],
      topic: cameraTopic(camera.name),
    });
  }
  return features;
}
