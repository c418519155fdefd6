import { describe, it, expect } from 'vitest';
import { UR5E, forwardKinematics } from '../../src/kinematics/index.ts';
import { CELL_LAYOUT } from '../model/index.ts';
import { evaluateTask, mulberry32, sampleTaskLayout, TASK_NAMES, WORKSPACE } from './index.ts';
import type { TaskState } from './index.ts';

describe('mulberry32', () => {
  it('is deterministic per seed and uniform-ish', () => {
    const a = mulberry32(5);
    const b = mulberry32(5);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(xs.reduce((s, x) => s + x, 0) / xs.length).toBeCloseTo(0.5, 1);
  });
});

describe('sampleTaskLayout', () => {
  it('is deterministic by (task, seed) and varies with the seed', () => {
    for (const task of TASK_NAMES) {
      expect(sampleTaskLayout(task, 3)).toEqual(sampleTaskLayout(task, 3));
      expect(sampleTaskLayout(task, 3)).not.toEqual(sampleTaskLayout(task, 4));
    }
  });

  it('keeps the objects a task uses on the table in front of the robot, in the workspace', () => {
    const inWs = (p: number[]) => p[0] >= WORKSPACE.x[0] && p[0] <= WORKSPACE.x[1] && p[1] >= WORKSPACE.y[0] && p[1] <= WORKSPACE.y[1];
    const home = forwardKinematics(UR5E, CELL_LAYOUT.homeJointPositions, [...CELL_LAYOUT.tcpOffset]).position;
    for (let seed = 0; seed < 100; seed++) {
      const reach = sampleTaskLayout('reach', seed);
      expect(inWs(reach.target)).toBe(true);
      expect(reach.target[2]).toBeGreaterThanOrEqual(WORKSPACE.reachZ[0]);
      const push = sampleTaskLayout('push', seed);
      expect(inWs(push.cube.position) && inWs(push.goal)).toBe(true);
      const d = Math.hypot(push.cube.position[0] - push.goal[0], push.cube.position[1] - push.goal[1]);
      expect(d).toBeGreaterThanOrEqual(0.12);
      const pp = sampleTaskLayout('pick_place', seed);
      expect(inWs(pp.cube.position) && inWs(pp.target)).toBe(true);
      expect(pp.cube.position[2]).toBeCloseTo(CELL_LAYOUT.cubeHalfSize, 9);
      expect(Math.abs(pp.cube.yaw)).toBeLessThanOrEqual(Math.PI / 4);
      // pick_place's place zone: the goal disc on the table right under the target, clear of the cube.
      expect(pp.goal).toEqual([pp.target[0], pp.target[1], CELL_LAYOUT.tableTopZ]);
      const clear = Math.hypot(pp.cube.position[0] - pp.goal[0], pp.cube.position[1] - pp.goal[1]);
      expect(clear).toBeGreaterThan(CELL_LAYOUT.goalRadius + CELL_LAYOUT.cubeHalfSize * Math.SQRT2);
      // reach does not show it.
      expect(reach.goal[2]).toBeLessThan(CELL_LAYOUT.tableTopZ);
    }
    // The home TCP hovers over the workspace's front half.
    expect(home[0]).toBeLessThan(-0.3);
  });

  it('rejects an unknown task', () => {
    expect(() => sampleTaskLayout('stack' as never, 1)).toThrow(/expected one of reach, push, pick_place/);
  });
});

describe('evaluateTask', () => {
  const base: TaskState = { tcp: [-0.5, 0, 0.2], cube: [-0.5, 0, 0.025], cubeSpeed: 0, target: [-0.5, 0, 0.2], goal: [-0.5, 0.2, 0], fingerJoint: 0 };
  it('reach succeeds within 2 cm and reports progress', () => {
    expect(evaluateTask('reach', base, 0.3).success).toBe(true);
    const far = evaluateTask('reach', { ...base, tcp: [-0.5, 0.15, 0.2] }, 0.3);
    expect(far.success).toBe(false);
    expect(far.progress).toBeCloseTo(0.5, 9);
  });
  it('push succeeds with the cube centre inside the goal disc', () => {
    expect(evaluateTask('push', base, 0.2).success).toBe(false);
    expect(evaluateTask('push', { ...base, cube: [-0.5, 0.17, 0.025] }, 0.2).success).toBe(true);
  });
  it('pick_place needs the cube resting at the target and released', () => {
    const placed: TaskState = { ...base, target: [-0.5, 0, 0.025] };
    expect(evaluateTask('pick_place', placed, 0.2).success).toBe(true);
    expect(evaluateTask('pick_place', { ...placed, fingerJoint: 0.3 }, 0.2).success).toBe(false);
    expect(evaluateTask('pick_place', { ...placed, cube: [-0.5, 0, 0.08] }, 0.2).success).toBe(false);
    expect(evaluateTask('pick_place', { ...placed, cubeSpeed: 0.2 }, 0.2).success).toBe(false);
  });
});
