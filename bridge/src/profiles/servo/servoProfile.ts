import { UR_SAFETY_MODE } from '../../safety/index.ts';
import { JointStateDecoder } from '../decode/JointStateDecoder.ts';
import { toRosTime } from '../decode/rosTime.ts';
import { numberField } from '../decode/scalarInput.ts';
import { wrenchInput } from '../decode/wrenchInput.ts';
import { cameraInput } from '../decode/cameraInput.ts';
import { cameraTopicName, resolveSettings } from '../resolveSettings.ts';
import type { CellInput, ProfileAdapter, ProfileSubscription, RobotProfile } from '../RobotProfile.ts';

/**
 * moveit_servo StatusCode (ROS 2 Humble, std_msgs/Int8 on `~/status`) → the
 * UR SafetyMode the safety gates understand. Servo halts on its own for a
 * singularity, a collision or a joint bound; we close the safety-mode gate
 * too, so our output is zero and a stale jog cannot push on once servo
 * recovers. Servo re-evaluates every cycle: with zero input it reports
 * NO_WARNING again, the gate reopens and a new command is needed.
 */
export const SERVO_STATUS_TO_SAFETY_MODE: Readonly<Record<number, number>> = {
  [-1]: UR_SAFETY_MODE.FAULT, // INVALID
  0: UR_SAFETY_MODE.NORMAL, // NO_WARNING
  1: UR_SAFETY_MODE.NORMAL, // DECELERATE_FOR_APPROACHING_SINGULARITY (servo slows; still moving as asked)
  2: UR_SAFETY_MODE.PROTECTIVE_STOP, // HALT_FOR_SINGULARITY
  3: UR_SAFETY_MODE.NORMAL, // DECELERATE_FOR_COLLISION
  4: UR_SAFETY_MODE.PROTECTIVE_STOP, // HALT_FOR_COLLISION
  5: UR_SAFETY_MODE.PROTECTIVE_STOP, // JOINT_BOUND
  6: UR_SAFETY_MODE.NORMAL, // DECELERATE_FOR_LEAVING_SINGULARITY
};

/**
 * Any arm behind MoveIt Servo (ROS 2): joint jogs on `delta_joint_cmds`,
 * stamped on the cell's clock (servo drops commands older than its
 * `incoming_command_timeout`). Twists are converted to joint velocities by
 * the bridge (one kinematic model for the safety layer and the jog), so the
 * joint topic suffices. No wrench, cameras or gripper unless configured:
 * set `topics.wrench` to enable the force rule.
 */
export const servoProfile: RobotProfile = {
  name: 'servo',
  summary: 'any arm behind MoveIt Servo (ROS 2 Humble): joint jog commands',
  topics: {
    jointStates: { name: '/joint_states', type: 'sensor_msgs/msg/JointState' },
    jointJog: { name: '/servo_node/delta_joint_cmds', type: 'control_msgs/msg/JointJog' },
    status: { name: '/servo_node/status', type: 'std_msgs/msg/Int8' },
    /** Empty: no F/T sensor. Set a name in the cell config to enable the force rule. */
    wrench: { name: '', type: 'geometry_msgs/msg/WrenchStamped' },
    camera: { name: '/camera/{name}/image_raw/compressed', type: 'sensor_msgs/msg/CompressedImage' },
    stopProgram: { name: '/servo_node/stop_servo', type: 'std_srvs/srv/Trigger' },
    playProgram: { name: '/servo_node/start_servo', type: 'std_srvs/srv/Trigger' },
  },
  defaults: { arm: 'ur5e', cameras: [], gripper: null },
  createAdapter(settings): ProfileAdapter {
    const s = resolveSettings(this, settings);
    const t = s.topics;
    const joints = new JointStateDecoder({ topic: t.jointStates.name, jointNames: s.jointNames, gripper: s.gripper });
    const hasWrench = t.wrench.name !== '';
    const subscriptions: ProfileSubscription[] = [
      { ...t.jointStates, compression: 'cbor', decode: (m, at) => joints.decode(m, at) },
      {
        ...t.status,
        compression: 'none',
        decode: (m): CellInput => {
          const code = numberField(t.status.name, m, 'data');
          if (typeof code !== 'number') return code;
          return { kind: 'status', safetyMode: SERVO_STATUS_TO_SAFETY_MODE[code] ?? UR_SAFETY_MODE.FAULT };
        },
      },
      ...(hasWrench ? [{ ...t.wrench, compression: 'cbor' as const, decode: (m: unknown, at: number) => wrenchInput(t.wrench.name, m, at) }] : []),
      ...s.cameras.map((camera): ProfileSubscription => {
        const name = cameraTopicName(t.camera.name, camera);
        return { name, type: t.camera.type, compression: 'cbor', decode: (m, at) => cameraInput(camera, name, m, at) };
      }),
    ];
    const gripperTopic = s.gripper ? { name: s.gripper.commandTopic, type: 'std_msgs/msg/Float64MultiArray' } : undefined;
    return {
      arm: s.arm,
      description: {
        profile: this.name,
        arm: s.arm.name,
        jointNames: s.jointNames,
        jointLimits: s.arm.jointLimits.map((l) => ({ ...l })),
        maxJointVelocity: [...s.arm.maxJointVelocity],
        hasGripper: s.gripper !== null,
        hasWrench,
        cameras: s.cameras,
      },
      subscriptions,
      publications: gripperTopic ? [t.jointJog, gripperTopic] : [t.jointJog],
      encodeCommand(cmd, ctx) {
        const jog = {
          header: { stamp: toRosTime(ctx.stamp, 2), frame_id: '' },
          joint_names: s.jointNames,
          displacements: [],
          velocities: cmd.velocities.slice(),
          duration: 0,
        };
        const out = [{ topic: t.jointJog, msg: jog as unknown }];
        if (gripperTopic && cmd.gripper !== undefined) {
          out.push({ topic: gripperTopic, msg: { layout: { dim: [], data_offset: 0 }, data: [cmd.gripper] } });
        }
        return out;
      },
      actions: { stopProgram: t.stopProgram, playProgram: t.playProgram },
      // Servo publishes its status every cycle; until the first one arrives, motion is not allowed.
      initialStatus: { safetyMode: UR_SAFETY_MODE.UNDEFINED_SAFETY_MODE, speedScaling: 1 },
    };
  },
};
