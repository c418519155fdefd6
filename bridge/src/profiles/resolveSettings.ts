import type { ArmModel } from '../kinematics/index.ts';
import { getArmModel } from './getArmModel.ts';
import type { GripperSettings, ProfileSettings, RobotProfile, RosRef } from './RobotProfile.ts';

/** A profile's settings with every default filled in and checked. */
export interface ResolvedSettings {
  arm: ArmModel;
  jointNames: string[];
  cameras: string[];
  /** Every role of the profile, with overridden names. */
  topics: Record<string, RosRef>;
  gripper: GripperSettings | null;
}

/**
 * Overlay `settings` on `profile`'s defaults. Throws, saying what was
 * expected and found, on an unknown topic role, a joint count that does not
 * fit the arm, or a bad gripper: a cell config mistake must stop the bridge
 * before it commands anything.
 */
export function resolveSettings(profile: RobotProfile, settings: ProfileSettings = {}): ResolvedSettings {
  const where = `profile ${profile.name}`;
  const arm = getArmModel(settings.arm ?? profile.defaults.arm);
  const jointNames = settings.jointNames ?? arm.jointNames;
  if (jointNames.length !== arm.jointNames.length || !jointNames.every((n) => typeof n === 'string' && n !== '')) {
    throw new Error(`${where}: jointNames expected ${arm.jointNames.length} non-empty names for ${arm.name}, found ${JSON.stringify(jointNames)}.`);
  }
  if (new Set(jointNames).size !== jointNames.length) throw new Error(`${where}: jointNames must be distinct, found ${JSON.stringify(jointNames)}.`);
  const topics: Record<string, RosRef> = {};
  for (const [role, ref] of Object.entries(profile.topics)) topics[role] = { ...ref };
  for (const [role, name] of Object.entries(settings.topics ?? {})) {
    if (!topics[role]) {
      throw new Error(`${where}: unknown topic role "${role}"; expected one of ${Object.keys(profile.topics).join(', ')}.`);
    }
    if (typeof name !== 'string' || !name.startsWith('/')) {
      throw new Error(`${where}: topics.${role} expected an absolute ROS name like "/joint_states", found ${JSON.stringify(name)}.`);
    }
    topics[role].name = name;
  }
  let gripper: GripperSettings | null = profile.defaults.gripper ? { ...profile.defaults.gripper } : null;
  if (settings.gripper === null) gripper = null;
  else if (settings.gripper !== undefined) {
    const g = { ...(gripper ?? {}), ...settings.gripper } as Partial<GripperSettings>;
    if (typeof g.joint !== 'string' || g.joint === '') throw new Error(`${where}: gripper.joint expected a joint name, found ${JSON.stringify(g.joint)}.`);
    if (typeof g.closedPosition !== 'number' || !(Math.abs(g.closedPosition) > 0) || !Number.isFinite(g.closedPosition)) {
      throw new Error(`${where}: gripper.closedPosition expected a finite non-zero joint position, found ${JSON.stringify(g.closedPosition)}.`);
    }
    if (typeof g.commandTopic !== 'string' || !g.commandTopic.startsWith('/')) {
      throw new Error(`${where}: gripper.commandTopic expected an absolute ROS name, found ${JSON.stringify(g.commandTopic)}.`);
    }
    gripper = g as GripperSettings;
  }
  const cameras = settings.cameras ?? profile.defaults.cameras;
  if (!cameras.every((c) => typeof c === 'string' && /^[A-Za-z0-9_]+$/.test(c))) {
    throw new Error(`${where}: cameras expected names of letters, digits and _, found ${JSON.stringify(cameras)}.`);
  }
  return { arm, jointNames: [...jointNames], cameras: [...cameras], topics, gripper };
}

/** A camera's topic from the profile's `{name}` pattern. */
export function cameraTopicName(pattern: string, camera: string): string {
  return pattern.replace('{name}', camera);
}
