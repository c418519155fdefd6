import { describe, expect, it } from 'vitest';

import type { JointSample, WrenchSample } from '../cell/Cell.ts';
import { createPolicyAdapter, type PolicyAdapter } from './PolicyAdapter.ts';

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
