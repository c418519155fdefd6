import { Service, Topic, type Ros } from 'roslib';
import { createExpert, type ExpertObservation } from '../experts/index.ts';
import type { TaskName } from '../cell/SimCell.ts';
import { fromRosTime, type Float64MultiArray, type JointState, type ObjectPoses, type TaskStatus, type TriggerResponse } from './rosMessages.ts';
import { SIM_SERVICES, SIM_TOPICS, UR_TOPICS } from './urTopics.ts';

export interface ExpertEpisodeOptions {
  ros: Ros;
  task: TaskName;
  seed: number;
  /** Control rate in sim time (default 50 Hz). */
  rateHz?: number;
  /** Give up after this much sim time (default 30 s). */
  timeout?: number;
  /** Keep going this long after success so the outcome is settled (default 0.3 s). */
  settle?: number;
  /** Velocity command topic (default the UR's; the bridge's own API can stand in later). */
  velocityTopic?: string;
}

export interface ExpertEpisodeResult {
  task: TaskName;
  seed: number;
  success: boolean;
  /** Sim seconds from the first command to success (or timeout). */
  duration: number;
  commands: number;
}

/**
 * Runs a scripted expert against a cell over rosbridge, using only what a real
 * cell offers: it reads `/joint_states` and `/cell/object_poses`, writes the
 * velocity and gripper command topics, and learns the outcome from
 * `/cell/task_status`. Control ticks follow the joint-state stamps (the
 * cell's clock), so the expert keeps its rate when the sim runs faster than
 * real time.
 */
export async function runExpertOverRos(opts: ExpertEpisodeOptions): Promise<ExpertEpisodeResult> {
  const { ros, task, seed } = opts;
  const rate = opts.rateHz ?? 50;
  const timeout = opts.timeout ?? 30;
  const settle = opts.settle ?? 0.3;
  const reset = new Service<{ task: string; seed: number }, TriggerResponse>({
    ros,
    name: SIM_SERVICES.reset.name,
    serviceType: SIM_SERVICES.reset.type,
  });
  const answer = await new Promise<TriggerResponse>((resolve, reject) =>
    reset.callService({ task, seed }, resolve, (e) => reject(new Error(`/cell/reset failed: ${e}`))),
  );
  if (!answer.success) throw new Error(`/cell/reset refused: ${answer.message}`);

  const velocity = new Topic<Float64MultiArray>({
    ros,
    name: opts.velocityTopic ?? UR_TOPICS.velocityCommand.name,
    messageType: UR_TOPICS.velocityCommand.type,
  });
  const gripper = new Topic<Float64MultiArray>({ ros, name: UR_TOPICS.gripperCommand.name, messageType: UR_TOPICS.gripperCommand.type });
  const joints = new Topic<JointState>({ ros, name: UR_TOPICS.jointStates.name, messageType: UR_TOPICS.jointStates.type, compression: 'cbor' });
  const poses = new Topic<ObjectPoses>({ ros, name: SIM_TOPICS.objectPoses.name, messageType: SIM_TOPICS.objectPoses.type });
  const status = new Topic<TaskStatus>({ ros, name: SIM_TOPICS.taskStatus.name, messageType: SIM_TOPICS.taskStatus.type });
  const send = (v: number[], g: number) => {
    velocity.publish({ layout: { dim: [], data_offset: 0 }, data: v });
    gripper.publish({ layout: { dim: [], data_offset: 0 }, data: [g] });
  };

  const expert = createExpert(task);
  expert.reset();
  let objects: ExpertObservation['objects'] | undefined;
  let successAt: number | undefined;
  let start: number | undefined;
  let nextTick = 0;
  let commands = 0;
  let lastGripper = 0;
  // Object poses published before the reset describe the old layout: accept only newer ones.
  let resetStamp = Infinity;

  try {
    return await new Promise<ExpertEpisodeResult>((resolve) => {
      const finish = (success: boolean, now: number) => {
        send([0, 0, 0, 0, 0, 0], lastGripper);
        resolve({ task, seed, success, duration: (successAt ?? now) - (start ?? now), commands });
      };
      poses.subscribe((m) => {
        if (fromRosTime(m.header.stamp) < resetStamp) return;
        objects = m.names.map((name, i) => {
          const p = m.poses[i];
          return {
            name,
            position: [p.position.x, p.position.y, p.position.z] as [number, number, number],
            orientation: [p.orientation.x, p.orientation.y, p.orientation.z, p.orientation.w] as [number, number, number, number],
          };
        });
      });
      status.subscribe((m) => {
        if (start !== undefined && m.success && successAt === undefined && m.task === task) successAt = fromRosTime(m.header.stamp);
      });
      joints.subscribe((m) => {
        const now = fromRosTime(m.header.stamp);
        if (resetStamp === Infinity) resetStamp = now;
        if (!objects || now < nextTick) return;
        start ??= now;
        nextTick = now + 1 / rate;
        if (successAt !== undefined && now - successAt >= settle) return finish(true, now);
        if (now - start > timeout) return finish(false, now);
        const finger = m.name.indexOf('finger_joint');
        const out = expert.act({
          time: now - start,
          jointPositions: m.position.slice(0, 6),
          gripper: finger >= 0 ? m.position[finger] : 0,
          objects,
        });
        lastGripper = out.gripper;
        send(out.jointVelocities, out.gripper);
        commands++;
      });
    });
  } finally {
    joints.unsubscribe();
    poses.unsubscribe();
    status.unsubscribe();
  }
}
