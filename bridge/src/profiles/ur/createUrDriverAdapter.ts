import { UR_SAFETY_MODE } from '../../safety/index.ts';
import { cameraInput } from '../decode/cameraInput.ts';
import { JointStateDecoder } from '../decode/JointStateDecoder.ts';
import { numberField } from '../decode/scalarInput.ts';
import { wrenchInput } from '../decode/wrenchInput.ts';
import { cameraTopicName, resolveSettings } from '../resolveSettings.ts';
import type { CellInput, OutgoingCommand, ProfileAdapter, ProfileSettings, ProfileSubscription, RobotProfile, RosRef } from '../RobotProfile.ts';

/** Topic roles every ur_robot_driver profile has (ROS 1 and ROS 2 differ only in names, types and units). */
export type UrTopicRole =
  | 'jointStates'
  | 'wrench'
  | 'velocityCommand'
  | 'safetyMode'
  | 'speedScaling'
  | 'camera'
  | 'unlockProtectiveStop'
  | 'stopProgram'
  | 'playProgram';

export interface UrDriverFlavour {
  /** The speed scaling topic's unit: ROS 2's broadcaster publishes percent, ROS 1's factor is 0..1. */
  speedScalingUnit: 'percent' | 'fraction';
  /** Type of the gripper command topic (Float64MultiArray in the driver's ROS version). */
  gripperCommandType: string;
}

/** A `ProfileAdapter` for ur_robot_driver, ROS 1 or 2. */
export function createUrDriverAdapter(profile: RobotProfile, flavour: UrDriverFlavour, settings?: ProfileSettings): ProfileAdapter {
  const s = resolveSettings(profile, settings);
  const t = s.topics as Record<UrTopicRole, RosRef>;
  const joints = new JointStateDecoder({ topic: t.jointStates.name, jointNames: s.jointNames, gripper: s.gripper });
  const scale = flavour.speedScalingUnit === 'percent' ? 0.01 : 1;

  const subscriptions: ProfileSubscription[] = [
    { ...t.jointStates, compression: 'cbor', decode: (m, at) => joints.decode(m, at) },
    { ...t.wrench, compression: 'cbor', decode: (m, at) => wrenchInput(t.wrench.name, m, at) },
    {
      ...t.safetyMode,
      compression: 'none',
      decode: (m): CellInput => {
        const mode = numberField(t.safetyMode.name, m, 'mode');
        return typeof mode === 'number' ? { kind: 'status', safetyMode: mode } : mode;
      },
    },
    {
      ...t.speedScaling,
      compression: 'none',
      decode: (m): CellInput => {
        const v = numberField(t.speedScaling.name, m, 'data');
        return typeof v === 'number' ? { kind: 'status', speedScaling: v * scale } : v;
      },
    },
    ...s.cameras.map((camera): ProfileSubscription => {
      const name = cameraTopicName(t.camera.name, camera);
      return { name, type: t.camera.type, compression: 'cbor', decode: (m, at) => cameraInput(camera, name, m, at) };
    }),
  ];

  const gripperTopic: RosRef | undefined = s.gripper ? { name: s.gripper.commandTopic, type: flavour.gripperCommandType } : undefined;
  const multiArray = (data: number[]) => ({ layout: { dim: [], data_offset: 0 }, data });

  return {
    arm: s.arm,
    description: {
      profile: profile.name,
      arm: s.arm.name,
      jointNames: s.jointNames,
      jointLimits: s.arm.jointLimits.map((l) => ({ ...l })),
      maxJointVelocity: [...s.arm.maxJointVelocity],
      hasGripper: s.gripper !== null,
      hasWrench: true,
      cameras: s.cameras,
    },
    subscriptions,
    publications: gripperTopic ? [t.velocityCommand, gripperTopic] : [t.velocityCommand],
    encodeCommand(cmd): OutgoingCommand[] {
      // forward_velocity_controller takes one value per joint, in the controller's joint order (= jointNames).
      const out: OutgoingCommand[] = [{ topic: t.velocityCommand, msg: multiArray(cmd.velocities.slice()) }];
      if (gripperTopic && cmd.gripper !== undefined) out.push({ topic: gripperTopic, msg: multiArray([cmd.gripper]) });
      return out;
    },
    actions: { unlockProtectiveStop: t.unlockProtectiveStop, stopProgram: t.stopProgram, playProgram: t.playProgram },
    // The safety mode is latched by the driver and arrives right after subscribing; until then: unknown (gate closed).
    initialStatus: { safetyMode: UR_SAFETY_MODE.UNDEFINED_SAFETY_MODE, speedScaling: 1 },
  };
}
