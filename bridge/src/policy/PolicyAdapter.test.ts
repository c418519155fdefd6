import { describe, expect, it } from 'vitest';

import type { JointSample, WrenchSample } from '../cell/Cell.ts';
import { twistToJointVelocities } from '../control/twistToJointVelocities.ts';
import { UR5E, UR_JOINT_NAMES, forwardKinematics, jacobian } from '../kinematics/index.ts';
import { createPolicyAdapter, type PolicyAdapter } from './PolicyAdapter.ts';
import { TCP_POSE_NAMES, tcpHeightState, tcpPoseState } from './tcpPoseState.ts';
import { TWIST_NAMES, twistAction } from './twistAction.ts';

const joints = ['a', 'b'];
const cell = { jointNames: joints, hasGripper: true };
const sample: JointSample = { stamp: 1, receivedAt: 1, position: [0.1, 0.2], velocity: [1, 2], effort: [0, 0], gripper: 0.7 };
const wrench: WrenchSample = { stamp: 1, receivedAt: 1, force: [1, 2, 3], torque: [4, 5, 6] };

describe('createPolicyAdapter', () => {
  it('maps the names cellkit train writes from a dataset', () => {
    const a = createPolicyAdapter(
      {
        inputs: { state: ['observation.joint_position.a', 'observation.joint_position.b', 'observation.joint_velocity.b', 'observation.gripper.finger_joint', 'observation.wrench.force.z', 'observation.wrench.torque.x'] },
        outputs: { action: ['action.b', 'action.a', 'action.gripper'] },
        rate: 10,
      },
      cell,
    ) as PolicyAdapter;
    const out = new Float32Array(6);
    a.observe({ joints: sample, wrench }, out);
    expect(Array.from(out)).toEqual([0.1, 0.2, 2, 0.7, 3, 4].map(Math.fround));
    expect(a.usesWrench).toBe(true);
    // Outputs in the model's order, commands in the cell's joint order; only velocities are scaled.
    expect(a.command([0.4, -0.2, 0.9], 0.5)).toEqual({ velocities: [-0.1, 0.2], gripper: 0.9 });
  });

  it('maps the trainer synthetic names; a missing sample is NaN (the runner refuses it), never 0', () => {
    const a = createPolicyAdapter({ inputs: { state: ['a.position', 'b.velocity', 'gripper.position', 'wrench.force.x'] }, outputs: { action: ['a.velocity_command', 'b.velocity_command', 'gripper.command'] }, rate: 10 }, cell) as PolicyAdapter;
    const out = new Float32Array(4);
    a.observe({ joints: sample }, out);
    expect(Array.from(out).slice(0, 3)).toEqual([0.1, 2, 0.7].map(Math.fround));
    expect(out[3]).toBeNaN();
  });

  it('position targets: the velocity that reaches each target in one policy period from the measured joints', () => {
    const a = createPolicyAdapter({ inputs: { state: ['observation.joint_position.a', 'observation.joint_position.b'] }, outputs: { action: ['action.position.b', 'action.position.a', 'action.gripper'] }, rate: 10 }, cell) as PolicyAdapter;
    expect(a.positionTargets).toBe(true);
    // a: 0.1 → 0.15 in 0.1 s = 0.5 rad/s; b: 0.2 → 0.1 = -1 rad/s; scaled by 0.5.
    const cmd = a.command([0.1, 0.15, 1], 0.5, sample);
    expect(cmd.velocities[0]).toBeCloseTo(0.25, 9);
    expect(cmd.velocities[1]).toBeCloseTo(-0.5, 9);
    expect(cmd.gripper).toBe(1);
    // Without the joints it cannot track: NaN (the runner stops on it), never a guess.
    expect(a.command([0.1, 0.15, 1], 1).velocities.every(Number.isNaN)).toBe(true);
    const mixed = createPolicyAdapter({ inputs: { state: [] }, outputs: { action: ['action.position.a', 'action.b'] }, rate: 10 }, cell);
    expect((mixed as { message: string }[]).map((p) => p.message)).toEqual([expect.stringContaining('positions for some joints and velocities for others')]);
  });

  it('tcp_pose: forward kinematics of the measured joints with the bundle\'s arm and tool, in the bundle\'s column order', () => {
    const tool: [number, number, number] = [0, 0, 0.1475];
    const names = TCP_POSE_NAMES.map((n) => `observation.tcp_pose.${n}`);
    // Some columns shuffled and a joint in between: each column finds its own value.
    const state = ['observation.joint_position.elbow_joint', names[2]!, names[0]!, names[1]!, ...names.slice(3).reverse()];
    const manifest = { inputs: { state }, outputs: { action: UR_JOINT_NAMES.map((j) => `action.${j}`) }, rate: 10, kinematics: { arm: 'ur5e', toolOffset: tool } };
    const a = createPolicyAdapter(manifest, { jointNames: UR_JOINT_NAMES, hasGripper: false }) as PolicyAdapter;
    const q = [0.3, -1.2, 1.4, -1.7, -1.57, 0.2];
    const out = new Float32Array(state.length);
    a.observe({ joints: { stamp: 1, receivedAt: 1, position: q, velocity: [0, 0, 0, 0, 0, 0], effort: [0, 0, 0, 0, 0, 0] } }, out);
    const { position: p, rotation: R } = forwardKinematics(UR5E, q, tool);
    // Position, then the tool frame's x and y axes (rotation columns 0 and 1) in the base frame.
    const want: Record<string, number> = {
      x: p[0], y: p[1], z: p[2], 'x_axis.x': R[0]!, 'x_axis.y': R[3]!, 'x_axis.z': R[6]!, 'y_axis.x': R[1]!, 'y_axis.y': R[4]!, 'y_axis.z': R[7]!,
    };
    expect(out[0]).toBe(Math.fround(1.4));
    state.slice(1).forEach((name, i) => expect(out[i + 1]).toBe(Math.fround(want[name.slice('observation.tcp_pose.'.length)]!)));
    // The tool offset matters: the flange is 14.75 cm back along the tool axis.
    const flange = forwardKinematics(UR5E, q).position;
    expect(Math.hypot(out[2]! - flange[0], out[3]! - flange[1], out[1]! - flange[2])).toBeCloseTo(0.1475, 5);
    // No joint sample: NaN (the runner refuses it).
    a.observe({}, out);
    expect(Array.from(out).every(Number.isNaN)).toBe(true);

    // Without the arm and tool it was computed with, or for an arm this bridge does not know: refused at load.
    const { kinematics: _, ...bare } = manifest;
    expect((createPolicyAdapter(bare, { jointNames: UR_JOINT_NAMES, hasGripper: false }) as { message: string }[]).map((p) => p.message))
      .toEqual([expect.stringContaining('need the arm model and tool offset they were computed with (policy.json kinematics), found none')]);
    expect((createPolicyAdapter({ ...manifest, kinematics: { arm: 'kr6', toolOffset: tool } }, { jointNames: UR_JOINT_NAMES, hasGripper: false }) as { message: string }[])[0]!.message)
      .toMatch(/unknown arm model "kr6"/);
    expect((createPolicyAdapter({ ...manifest, inputs: { state: ['observation.tcp_pose.roll'] } }, { jointNames: UR_JOINT_NAMES, hasGripper: false }) as { message: string }[])[0]!.message)
      .toMatch(/'observation.tcp_pose.roll' is not a TCP pose column/);
  });

  it('tcp_height: the tool point\'s z, the same value the training provider writes for the same joints', () => {
    const tool: [number, number, number] = [0.01, -0.02, 0.2];
    const kinematics = { arm: 'ur5e', toolOffset: tool };
    const state = ['observation.gripper.finger_joint', 'observation.tcp_height.z', 'observation.tcp_pose.x'];
    const manifest = { inputs: { state }, outputs: { action: UR_JOINT_NAMES.map((j) => `action.${j}`) }, rate: 10, kinematics };
    const a = createPolicyAdapter(manifest, { jointNames: UR_JOINT_NAMES, hasGripper: true }) as PolicyAdapter;
    expect(a).toHaveProperty('observe');
    // What `cellkit train` writes for a frame (derivedStateFactory's providers) and what the runner computes from live joints: equal.
    const height = tcpHeightState(kinematics);
    const pose = tcpPoseState(kinematics);
    expect(height.names).toEqual(['z']);
    expect(height.jointCount).toBe(6);
    expect(height.kinematics).toEqual(kinematics);
    const trained = new Float32Array(1 + 9);
    const out = new Float32Array(state.length);
    let seed = 7;
    const rand = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 * Math.PI - Math.PI;
    for (let n = 0; n < 20; n++) {
      const q = UR_JOINT_NAMES.map(() => rand());
      height.compute(q, trained, 0);
      pose.compute(q, trained, 1);
      a.observe({ joints: { stamp: 1, receivedAt: 1, position: q, velocity: [0, 0, 0, 0, 0, 0], effort: [0, 0, 0, 0, 0, 0], gripper: 0.3 } }, out);
      expect(out[1]).toBe(trained[0]);
      expect(out[1]).toBe(Math.fround(forwardKinematics(UR5E, q, tool).position[2]));
      // The height is tcp_pose's z, the same number.
      expect(trained[0]).toBe(trained[1 + 2]);
      expect(out[2]).toBe(trained[1]);
    }
    a.observe({}, out);
    expect(Number.isNaN(out[1])).toBe(true);

    // Refused at load like tcp_pose: no kinematics, or a column that is not the height.
    const alone = { ...manifest, inputs: { state: ['observation.tcp_height.z'] } };
    const { kinematics: _, ...bare } = alone;
    expect((createPolicyAdapter(bare, { jointNames: UR_JOINT_NAMES, hasGripper: false }) as { message: string }[]).map((p) => p.message))
      .toEqual([expect.stringContaining('policy inputs observation.tcp_height.* need the arm model and tool offset they were computed with')]);
    expect((createPolicyAdapter({ ...alone, inputs: { state: ['observation.tcp_height.x'] } }, { jointNames: UR_JOINT_NAMES, hasGripper: false }) as { message: string }[])[0]!.message)
      .toBe("policy input 'observation.tcp_height.x' is not a TCP height column; expected observation.tcp_height.z");
  });

  it('twist: joint velocities from Cartesian teleop\'s damped least squares at the measured joints, with the bundle\'s arm and tool, scaled', () => {
    const tool: [number, number, number] = [0, 0, 0.1475];
    // Twist columns shuffled, the gripper in between: each column finds its own value.
    const action = ['action.twist.wz', 'action.twist.vx', 'action.gripper', 'action.twist.vy', 'action.twist.vz', 'action.twist.wx', 'action.twist.wy'];
    const manifest = { inputs: { state: UR_JOINT_NAMES.map((j) => `observation.joint_position.${j}`) }, outputs: { action }, rate: 10, kinematics: { arm: 'ur5e', toolOffset: tool } };
    const a = createPolicyAdapter(manifest, { jointNames: UR_JOINT_NAMES, hasGripper: true }) as PolicyAdapter;
    expect(a.twistOutputs).toBe(true);
    expect(a.positionTargets).toBe(false);
    const q = [0.3, -1.2, 1.4, -1.7, -1.57, 0.2];
    const joints: JointSample = { stamp: 1, receivedAt: 1, position: q, velocity: [0, 0, 0, 0, 0, 0], effort: [0, 0, 0, 0, 0, 0] };
    const twist = { vx: 0.02, vy: -0.01, vz: 0.005, wx: 0, wy: 0.1, wz: -0.2 };
    const predicted = action.map((n) => (n === 'action.gripper' ? 1 : twist[n.slice('action.twist.'.length) as keyof typeof twist]));
    const cmd = a.command(predicted, 0.5, joints);
    const want = twistToJointVelocities(UR5E, q, { linear: [0.02, -0.01, 0.005], angular: [0, 0.1, -0.2], frame: 'base' }, tool);
    cmd.velocities.forEach((v, j) => expect(v).toBeCloseTo(want[j]! * 0.5, 12));
    expect(cmd.gripper).toBe(1);
    // The TCP then moves with the predicted twist (scaled): J(q)·q̇ = 0.5·twist.
    const J = jacobian(UR5E, q, tool);
    const realised = J.map((row) => row.reduce((s, x, j) => s + x * cmd.velocities[j]!, 0));
    realised.forEach((v, r) => expect(v).toBeCloseTo(0.5 * twist[TWIST_NAMES[r]!], 9));
    // Another q, other joint velocities: it converts at the joints it is given.
    const other = a.command(predicted, 0.5, { ...joints, position: [0, -1.57, 1.57, -1.57, -1.57, 0] });
    expect(Math.max(...other.velocities.map((v, j) => Math.abs(v - cmd.velocities[j]!)))).toBeGreaterThan(1e-3);
    // Without the joints it cannot convert: NaN (the runner stops on it), never a guess.
    expect(a.command(predicted, 1).velocities.every(Number.isNaN)).toBe(true);

    // Refused at load: no kinematics, a missing twist column, twist mixed with joint values.
    const { kinematics: _, ...bare } = manifest;
    const messages = (m: object) => (createPolicyAdapter(m as typeof manifest, { jointNames: UR_JOINT_NAMES, hasGripper: true }) as { message: string }[]).map((p) => p.message);
    expect(messages(bare)).toEqual([expect.stringContaining('outputs action.twist.* need the arm model and tool offset they were computed with (policy.json kinematics), found none')]);
    expect(messages({ ...manifest, outputs: { action: action.filter((n) => n !== 'action.twist.wy') } })).toEqual([expect.stringContaining('a twist without action.twist.wy')]);
    expect(messages({ ...manifest, outputs: { action: [...action, `action.${UR_JOINT_NAMES[0]}`] } })).toEqual([expect.stringContaining('outputs a twist and joint values')]);
  });

  it('twist provider (training labels) and adapter (run time) are inverse: DLS(J, J·q̇) = q̇ away from singularities', () => {
    const tool: [number, number, number] = [0, 0, 0.1475];
    const provider = twistAction({ arm: 'ur5e', toolOffset: tool });
    const a = createPolicyAdapter({ inputs: { state: [] }, outputs: { action: TWIST_NAMES.map((n) => `action.twist.${n}`) }, rate: 10, kinematics: { arm: 'ur5e', toolOffset: tool } }, { jointNames: UR_JOINT_NAMES, hasGripper: false }) as PolicyAdapter;
    const q = [0.3, -1.2, 1.4, -1.7, -1.57, 0.2];
    const qd = [0.1, -0.2, 0.3, 0.05, -0.4, 0.25];
    const label = new Float32Array(6);
    provider.compute(q, qd, label, 0);
    const back = a.command(label, 1, { stamp: 1, receivedAt: 1, position: q, velocity: qd, effort: [0, 0, 0, 0, 0, 0] }).velocities;
    // float32 labels: equal to ~1e-6 rad/s.
    back.forEach((v, j) => expect(v).toBeCloseTo(qd[j]!, 5));
  });

  it('names every input and output the cell cannot serve', () => {
    const problems = createPolicyAdapter({ inputs: { state: ['observation.joint_position.z', 'camera.depth', 'gripper.position'] }, outputs: { action: ['action.a', 'action.q'] }, rate: 10 }, { jointNames: joints, hasGripper: false });
    expect(Array.isArray(problems)).toBe(true);
    const messages = (problems as { message: string }[]).map((p) => p.message);
    expect(messages).toEqual([
      expect.stringContaining(`policy input 'observation.joint_position.z' is not something this cell measures`),
      expect.stringContaining(`policy input 'camera.depth'`),
      `policy input 'gripper.position' needs a gripper, the cell has none`,
      expect.stringContaining(`policy output 'action.q' is not a command this cell takes`),
    ]);
  });
});
