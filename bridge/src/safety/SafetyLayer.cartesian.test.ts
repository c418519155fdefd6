import { describe, expect, it } from 'vitest';
import { UR5E, dampedLeastSquares, forwardKinematics, jacobian } from '../kinematics/index.ts';
import { linear } from './limitVelocity.ts';
import { SafetyLayer } from './SafetyLayer.ts';
import type { Vec3 } from './SafetyLimits.ts';
import { KinematicArm } from './testing/KinematicArm.ts';

const HOME = [0, -Math.PI / 2, Math.PI / 2, -Math.PI / 2, -Math.PI / 2, 0];
const TOOL: Vec3 = [0, 0, 0.1];
const P0 = forwardKinematics(UR5E, HOME, TOOL).position;
/** Box around the home TCP: +x wall 5 cm away, floor 10 cm below, plenty of room in y. */
const BOX = { min: [P0[0] - 0.2, P0[1] - 0.4, P0[2] - 0.1] as Vec3, max: [P0[0] + 0.05, P0[1] + 0.4, P0[2] + 0.2] as Vec3 };

/**
 * Teleop as it will run upstream: each tick a Cartesian twist becomes joint
 * velocities by DLS at the measured joints, goes through the layer, and the
 * ideal arm executes the output. Returns the TCP path and speeds.
 */
function teleop(twist: [number, number, number], seconds: number) {
  const layer = new SafetyLayer({ arm: UR5E, toolOffset: TOOL, limits: { workspace: BOX } });
  const sim = new KinematicArm({ arm: UR5E, q0: HOME });
  const path: Vec3[] = [];
  const speeds: number[] = [];
  layer.tick(sim.inputs());
  for (let t = 0; t < seconds * 125; t++) {
    const J = jacobian(UR5E, sim.q, TOOL);
    const velocities = dampedLeastSquares(J, [...twist, 0, 0, 0]);
    layer.submit({ kind: 'joint_velocity', velocities, source: 'teleop', stamp: sim.now }, 'op');
    const out = layer.tick(sim.inputs());
    speeds.push(Math.hypot(...linear(J, out.velocities)));
    sim.apply(out);
    path.push(forwardKinematics(UR5E, sim.q, TOOL).position);
  }
  return { path, speeds, end: path[path.length - 1] };
}

const outside = (p: Vec3) => Math.max(0, ...[0, 1, 2].flatMap((k) => [BOX.min[k] - p[k], p[k] - BOX.max[k]]));

describe('SafetyLayer closed loop with Cartesian teleop', () => {
  it('pushing into a wall at 0.5 m/s: stops at the wall, never past it, never over 0.25 m/s', () => {
    const { path, speeds, end } = teleop([0.5, 0, 0], 3);
    expect(Math.max(...path.map(outside))).toBe(0);
    expect(Math.max(...speeds)).toBeLessThanOrEqual(0.25 + 1e-9);
    // It really got there (not stopped early): within 5 mm of the wall.
    expect(BOX.max[0] - end[0]).toBeLessThan(0.005);
  });

  it('a long free run reaches, but never exceeds, the TCP speed limit', () => {
    const { path, speeds, end } = teleop([0, 0.5, 0], 3);
    expect(Math.max(...speeds)).toBeLessThanOrEqual(0.25 + 1e-9);
    expect(Math.max(...speeds)).toBeGreaterThan(0.24);
    expect(Math.max(...path.map(outside))).toBe(0);
    expect(BOX.max[1] - end[1]).toBeLessThan(0.005);
  });

  it('pushing diagonally into a wall: slides along it', () => {
    const { path, end } = teleop([0.2, 0.2, 0], 2);
    expect(Math.max(...path.map(outside))).toBe(0);
    expect(end[1] - P0[1]).toBeGreaterThan(0.2);
    expect(BOX.max[0] - end[0]).toBeLessThan(0.005);
  });

  it('driving down into the floor: stays above it', () => {
    const { path, end } = teleop([0, 0, -0.3], 2);
    expect(Math.max(...path.map(outside))).toBe(0);
    expect(end[2] - BOX.min[2]).toBeLessThan(0.005);
    expect(end[2] - BOX.min[2]).toBeGreaterThanOrEqual(0);
  });

  it('a real-ish arm (50 ms velocity lag, joint state 3 ticks late) still stays inside the box', () => {
    const layer = new SafetyLayer({ arm: UR5E, toolOffset: TOOL, limits: { workspace: BOX } });
    const dt = 1 / 125;
    const q = HOME.slice();
    const v = [0, 0, 0, 0, 0, 0];
    const measured: number[][] = [];
    let now = 1000;
    let worst = 0;
    let closest = Infinity;
    for (let t = 0; t < 500; t++) {
      measured.push(q.slice());
      const qm = measured[Math.max(0, measured.length - 4)];
      const twist = t < 250 ? [0.5, 0.3, -0.3] : [0.5, -0.3, -0.3]; // into the +x wall and the floor, sliding in y
      const velocities = dampedLeastSquares(jacobian(UR5E, qm, TOOL), [...twist, 0, 0, 0]);
      layer.submit({ kind: 'joint_velocity', velocities, source: 'teleop', stamp: now }, 'op');
      const out = layer.tick({ now, jointPositions: qm, jointVelocities: v.slice(), jointStateStamp: now - 3 * dt, safetyMode: 1, connected: true, leaseHolder: 'op' });
      // The controller tracks the command with a first-order lag; integrate in 1 ms substeps.
      for (let s = 0; s < 8; s++) {
        for (let i = 0; i < 6; i++) {
          v[i] += (out.velocities[i] - v[i]) * (dt / 8 / 0.05);
          q[i] += (v[i] * dt) / 8;
        }
      }
      now += dt;
      const p = forwardKinematics(UR5E, q, TOOL).position;
      worst = Math.max(worst, outside(p));
      closest = Math.min(closest, BOX.max[0] - p[0], p[2] - BOX.min[2]);
    }
    expect(worst).toBe(0);
    expect(closest).toBeLessThan(0.005); // it did press against the walls
  });
});
