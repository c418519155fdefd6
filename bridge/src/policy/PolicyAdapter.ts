/**
 * Maps between a policy's named features and the canonical cell model:
 * the latest joint, wrench and camera samples → the observation vector in the
 * bundle's `inputs.state` order, and the predicted action (`outputs.action`
 * order) → joint velocities + gripper for `submitPolicy`. Built once per
 * bundle from the names, so an unknown name is a load-time problem, never a
 * silent zero while the arm moves.
 *
 * Naming: what `cellkit train` writes from a dataset (`<feature>.<name>`:
 * `observation.joint_position.<joint>`, `observation.joint_velocity.<joint>`,
 * `observation.gripper.<name>`, `observation.wrench.force.x` …,
 * `observation.tcp_pose.x` …, `observation.tcp_height.z` (forward kinematics of
 * the measured joints with the bundle's `kinematics`: tcpPoseState.ts) in;
 * `action.<joint>` (a velocity) or `action.position.<joint>` (where the joint
 * should be one policy step later: tracked with the velocity that gets there
 * in one period) or `action.twist.vx` … `wz` (the TCP's velocity in the base
 * frame: turned into joint velocities at the measured joints by damped least
 * squares with the bundle's `kinematics`, as Cartesian teleop does:
 * twistAction.ts), `action.gripper` out), and the trainer's synthetic data
 * (`<joint>.position`, `<joint>.velocity`, `gripper.position`,
 * `wrench.force.x` … in; `<joint>.velocity_command`, `gripper.command` out).
 */
import { DERIVED_STATE_GROUPS, DERIVED_STATE_TITLES } from '@cellkit/trainer';
import type { DerivedStateGroup, PolicyKinematics } from '@cellkit/trainer';

import type { JointSample, WrenchSample } from '../cell/Cell.ts';
import { forwardKinematics, type ArmModel } from '../kinematics/index.ts';
import { getArmModel } from '../profiles/getArmModel.ts';
import { TCP_POSE_NAMES, TCP_STATE_GROUPS, writeTcpPose } from './tcpPoseState.ts';
import { TWIST_NAMES, TWIST_PREFIX, twistToJoints } from './twistAction.ts';

export interface AdapterProblem {
  severity: 'error';
  code: 'state_feature' | 'action_feature';
  message: string;
  tip: string;
}

/** The samples an observation is built from (the latest of each). */
export interface LatestSamples {
  joints?: JointSample;
  wrench?: WrenchSample;
}

/** `tcp`: the TCP pose of `s.joints` (TCP_POSE_NAMES order), computed once per observation when used. */
type Getter = (s: LatestSamples, tcp: Float64Array) => number;

export interface PolicyAdapter {
  readonly usesWrench: boolean;
  /** Writes the state vector into `out`; NaN where a sample is missing (the runner refuses non-finite input). */
  observe(samples: LatestSamples, out: Float32Array): void;
  /** Joint outputs are positions (tracked from the measured joints) rather than velocities. */
  readonly positionTargets: boolean;
  /** Outputs are the TCP twist (turned into joint velocities at the measured joints) rather than joint values. */
  readonly twistOutputs: boolean;
  /**
   * Predicted action → the command the runner submits, velocities scaled by
   * `speedScale`. Position targets and twists need the joints the prediction
   * was made from; without them the velocities are NaN (the runner stops).
   */
  command(action: ArrayLike<number>, speedScale: number, joints?: JointSample): { velocities: number[]; gripper?: number };
  /**
   * Twist outputs: the tool point's position (m, base frame) at `joints`, with the arm and tool
   * the twists are converted with — what a chunk policy tracks its plan against
   * (`Observation.tcpPosition`). Undefined for other outputs or without joints.
   */
  tcpPosition(joints?: JointSample): [number, number, number] | undefined;
}

const AXES = ['x', 'y', 'z'] as const;

/** Builds the adapter, or returns the names it cannot map (with what it would accept). */
export function createPolicyAdapter(
  manifest: { inputs: { state: string[] }; outputs: { action: string[] }; rate: number; kinematics?: PolicyKinematics },
  cell: { jointNames: string[]; hasGripper: boolean },
): PolicyAdapter | AdapterProblem[] {
  const problems: AdapterProblem[] = [];
  const joints = cell.jointNames;
  const getters: Getter[] = [];
  let usesWrench = false;
  const tcpGroups = DERIVED_STATE_GROUPS.filter((g) => manifest.inputs.state.some((n) => n.startsWith(tcpPrefix(g))));
  const usesTwist = manifest.outputs.action.some((n) => n.startsWith(TWIST_PREFIX));
  const kinematics = tcpGroups.length > 0 || usesTwist ? bundleKinematics(manifest, joints.length, problems, tcpGroups) : undefined;
  const tcp = tcpGroups.length > 0 ? kinematics : undefined;
  for (const name of manifest.inputs.state) {
    const group = tcpGroups.find((g) => name.startsWith(tcpPrefix(g)));
    if (group !== undefined) {
      // Every TCP group's column is one of the TCP pose values, computed once per observation.
      const names = TCP_STATE_GROUPS[group];
      const column = (names as readonly string[]).indexOf(name.slice(tcpPrefix(group).length));
      const k = column >= 0 ? TCP_POSE_NAMES.indexOf(names[column]!) : -1;
      if (k >= 0) getters.push((_, pose) => pose[k]!);
      else problems.push({ severity: 'error', code: 'state_feature', message: `policy input '${name}' is not a ${DERIVED_STATE_TITLES[group]} column; expected ${tcpPrefix(group)}${names.join('|')}`, tip: 'retrain with this cellkit version' });
      continue;
    }
    const getter = stateGetter(name, joints);
    if (getter === undefined) {
      problems.push({
        severity: 'error', code: 'state_feature',
        message: `policy input '${name}' is not something this cell measures; expected observation.joint_position|joint_velocity.<joint> for joints [${joints.join(', ')}], observation.gripper, or observation.wrench.force|torque.x|y|z`,
        tip: 'retrain on data recorded from this cell, or fix the robot profile joint names',
      });
      continue;
    }
    if (/(^|\.)wrench\./.test(name)) usesWrench = true;
    if (/(^|\.)gripper(\.|$)/.test(name) && !cell.hasGripper) {
      problems.push({ severity: 'error', code: 'state_feature', message: `policy input '${name}' needs a gripper, the cell has none`, tip: 'deploy a policy trained without a gripper, or configure the gripper in the cell' });
    }
    getters.push(getter);
  }
  const jointIndex: number[] = [];
  const twistIndex: number[] = [];
  let gripperIndex: number | undefined;
  let positions = 0;
  manifest.outputs.action.forEach((name, i) => {
    const bare = name.replace(/^action\./, '');
    if (bare === 'gripper.command' || bare === 'gripper') {
      gripperIndex = i;
      return;
    }
    if (name.startsWith(TWIST_PREFIX)) {
      const k = (TWIST_NAMES as readonly string[]).indexOf(name.slice(TWIST_PREFIX.length));
      if (k >= 0) twistIndex[k] = i;
      else problems.push({ severity: 'error', code: 'action_feature', message: `policy output '${name}' is not a twist column; expected ${TWIST_PREFIX}${TWIST_NAMES.join('|')}`, tip: 'retrain with this cellkit version' });
      return;
    }
    const isPosition = bare.startsWith('position.');
    const joint = joints.indexOf(bare.replace(/^position\./, '').replace(/\.velocity(_command)?$/, ''));
    if (joint >= 0) {
      jointIndex[joint] = i;
      if (isPosition) positions++;
    } else problems.push({
      severity: 'error', code: 'action_feature',
      message: `policy output '${name}' is not a command this cell takes; expected action.<joint> (a joint velocity) or action.position.<joint> for joints [${joints.join(', ')}], action.twist.vx|vy|vz|wx|wy|wz, or action.gripper`,
      tip: 'retrain on data recorded from this cell',
    });
  });
  if (positions > 0 && positions !== manifest.outputs.action.length - (gripperIndex === undefined ? 0 : 1)) {
    problems.push({
      severity: 'error', code: 'action_feature',
      message: `policy outputs positions for some joints and velocities for others [${manifest.outputs.action.join(', ')}]; expected one kind for every joint`,
      tip: 'retrain with one --action kind',
    });
  }
  const positionTargets = positions > 0;
  if (positionTargets && !(manifest.rate > 0)) {
    problems.push({ severity: 'error', code: 'action_feature', message: `position targets need the policy rate to track them, found ${manifest.rate}`, tip: 'fix policy.json or retrain' });
  }
  if (usesTwist) twistProblems(manifest.outputs.action, twistIndex, jointIndex, problems);
  const missing = joints.filter((_, j) => jointIndex[j] === undefined);
  if (!usesTwist && missing.length > 0 && problems.length === 0) {
    problems.push({
      severity: 'error', code: 'action_feature',
      message: `policy outputs no velocity for joints [${missing.join(', ')}]; expected one per joint [${joints.join(', ')}]`,
      tip: 'retrain on data whose action has every joint of this cell',
    });
  }
  if (problems.length > 0) return problems;
  const commandGripper = gripperIndex !== undefined && cell.hasGripper ? gripperIndex : undefined;
  const rate = manifest.rate;
  const pose = new Float64Array(TCP_POSE_NAMES.length);
  const twist = usesTwist ? kinematics! : undefined;
  const predictedTwist = new Float64Array(TWIST_NAMES.length);
  return {
    usesWrench,
    positionTargets,
    twistOutputs: twist !== undefined,
    observe(samples, out) {
      if (tcp !== undefined) {
        if (samples.joints) writeTcpPose(tcp.arm, tcp.toolOffset, samples.joints.position, pose);
        else pose.fill(NaN);
      }
      for (let i = 0; i < getters.length; i++) out[i] = getters[i]!(samples, pose);
    },
    command(action, speedScale, from) {
      let velocities: number[];
      if (twist !== undefined) {
        // A twist: the joint velocities that realise it at the measured joints (the safety layer limits them like any
        // command). Damped least squares is linear in the twist: scaling the result scales the TCP's speed alike.
        twistIndex.forEach((i, k) => (predictedTwist[k] = action[i]!));
        velocities = from ? twistToJoints(twist.arm, twist.toolOffset, from.position, predictedTwist).map((v) => v * speedScale) : joints.map(() => NaN);
      } else if (positionTargets) {
        // A position target: the velocity that reaches it in one policy period from where the joint is.
        velocities = jointIndex.map((i, j) => (action[i]! - (from?.position[j] ?? NaN)) * rate * speedScale);
      } else {
        velocities = jointIndex.map((i) => action[i]! * speedScale);
      }
      // The gripper is a target position, not a speed: it is not scaled (the safety layer clamps it to 0..1).
      return commandGripper === undefined ? { velocities } : { velocities, gripper: action[commandGripper]! };
    },
    tcpPosition(from) {
      return twist !== undefined && from ? forwardKinematics(twist.arm, from.position.slice(0, twist.arm.jointNames.length), twist.toolOffset).position : undefined;
    },
  };
}

/** `observation.<group>.`: the columns of a derived TCP group. */
function tcpPrefix(group: DerivedStateGroup): string {
  return `observation.${group}.`;
}

/**
 * The arm and tool the bundle's TCP inputs (of `groups`) are computed with and
 * its twist outputs converted with (problems pushed when it has none or they
 * cannot be used).
 */
function bundleKinematics(
  manifest: { kinematics?: PolicyKinematics }, jointCount: number, problems: AdapterProblem[], groups: readonly DerivedStateGroup[],
): { arm: ArmModel; toolOffset: [number, number, number] } | undefined {
  const inputs = groups.length > 0;
  const code = inputs ? 'state_feature' : 'action_feature';
  const what = inputs ? 'TCP inputs' : 'twist outputs';
  const k = manifest.kinematics;
  if (k == null) {
    const names = inputs ? `inputs ${groups.map((g) => `${tcpPrefix(g)}*`).join(', ')}` : `outputs ${TWIST_PREFIX}*`;
    problems.push({ severity: 'error', code, message: `policy ${names} need the arm model and tool offset they were computed with (policy.json kinematics), found none`, tip: 'retrain the policy: cellkit train writes them' });
    return undefined;
  }
  let arm: ArmModel;
  try {
    arm = getArmModel(k.arm);
  } catch (err) {
    problems.push({ severity: 'error', code, message: `policy's ${what} were computed for ${(err as Error).message}`, tip: 'deploy a policy trained for an arm this bridge knows' });
    return undefined;
  }
  if (arm.jointNames.length !== jointCount) {
    problems.push({ severity: 'error', code, message: `policy's ${what} need the ${arm.jointNames.length} joints of ${arm.name}, the cell has ${jointCount}`, tip: 'deploy a policy trained for this arm' });
    return undefined;
  }
  return { arm, toolOffset: [...k.toolOffset] };
}

/** A twist policy outputs all six twist columns and no joint values (the twist moves every joint). */
function twistProblems(names: string[], twistIndex: number[], jointIndex: number[], problems: AdapterProblem[]): void {
  const missing = TWIST_NAMES.filter((_, k) => twistIndex[k] === undefined);
  if (missing.length > 0) {
    problems.push({
      severity: 'error', code: 'action_feature',
      message: `policy outputs a twist without ${missing.map((n) => TWIST_PREFIX + n).join(', ')}; expected all of ${TWIST_PREFIX}${TWIST_NAMES.join('|')}`,
      tip: 'retrain with --action twist',
    });
  }
  if (jointIndex.some((i) => i !== undefined)) {
    problems.push({
      severity: 'error', code: 'action_feature',
      message: `policy outputs a twist and joint values [${names.join(', ')}]; expected one kind for every joint`,
      tip: 'retrain with one --action kind',
    });
  }
}

function stateGetter(name: string, joints: string[]): Getter | undefined {
  const dataset = /^observation\.(joint_position|joint_velocity)\.(.+)$/.exec(name);
  if (dataset) {
    const j = joints.indexOf(dataset[2]!);
    if (j < 0) return undefined;
    return dataset[1] === 'joint_position' ? (s) => s.joints?.position[j] ?? NaN : (s) => s.joints?.velocity[j] ?? NaN;
  }
  if (/^(observation\.)?gripper(\.[^.]+)?$/.test(name)) return (s) => s.joints?.gripper ?? NaN;
  const wrench = /^(?:observation\.)?wrench\.(force|torque)\.([xyz])$/.exec(name);
  if (wrench) {
    const part = wrench[1] as 'force' | 'torque';
    const axis = AXES.indexOf(wrench[2] as 'x');
    return (s) => s.wrench?.[part][axis] ?? NaN;
  }
  const joint = /^(.+)\.(position|velocity)$/.exec(name);
  if (!joint) return undefined;
  const j = joints.indexOf(joint[1]!);
  if (j < 0) return undefined;
  return joint[2] === 'position' ? (s) => s.joints?.position[j] ?? NaN : (s) => s.joints?.velocity[j] ?? NaN;
}
