import { describe, expect, it } from 'vitest';

import type { JointSample, WrenchSample } from '../cell/Cell.ts';
import { UR5E, UR_JOINT_NAMES, forwardKinematics } from '../kinematics/index.ts';
import { createPolicyAdapter, type PolicyAdapter } from './PolicyAdapter.ts';
import { TCP_POSE_NAMES } from './tcpPoseState.ts';

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
