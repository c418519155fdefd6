import { describe, it, expect, afterAll, beforeEach } from 'vitest';
import { UR5E, dampedLeastSquares, forwardKinematics, jacobian } from '../../src/kinematics/index.ts';
import { CELL_LAYOUT, CELL_NAMES } from '../model/index.ts';
import { sampleTaskLayout } from '../tasks/index.ts';
import { SimCell, SAFETY_MODE } from './SimCell.ts';

const cell = await SimCell.create({ task: 'reach', seed: 1 });
afterAll(() => cell.close());
beforeEach(() => cell.reset({ task: 'reach', seed: 1 }));

const steps = (n: number) => {
  for (let i = 0; i < n; i++) cell.step();
};
const seconds = (s: number) => steps(Math.round(s / cell.timestep));
const armQ = () => cell.jointState().position.slice(0, 6);
const tcp = () => forwardKinematics(UR5E, armQ(), [...CELL_LAYOUT.tcpOffset]).position;

/** Gripper (palm + fingers) mass from the compiled model. */
function gripperMass(): number {
  const mass = cell.model.body_mass as Float64Array;
  return CELL_NAMES.gripperBodies.reduce((s, b) => s + mass[cell.mujoco.mj_name2id(cell.model, cell.mujoco.mjtObj.mjOBJ_BODY.value, b)], 0);
}

/** Joint velocities that move the TCP straight down at `speed` from the current pose. */
function downwardCommand(speed: number): number[] {
  return dampedLeastSquares(jacobian(UR5E, armQ(), [...CELL_LAYOUT.tcpOffset]), [0, 0, -speed, 0, 0, 0]);
}

describe('SimCell basics', () => {
  it('reports 7 joints, 2 ms steps and time since reset', () => {
    expect(cell.jointNames).toEqual([...UR5E.jointNames, 'finger_joint']);
    expect(cell.timestep).toBe(0.002);
    expect(cell.time).toBe(0);
    steps(10);
    expect(cell.time).toBeCloseTo(0.02, 9);
    const js = cell.jointState();
    expect(js.name).toEqual(cell.jointNames);
    expect(js.position.slice(0, 6).map((x, i) => x - CELL_LAYOUT.homeJointPositions[i]).every((d) => Math.abs(d) < 1e-6)).toBe(true);
    expect(js.position[6]).toBeCloseTo(0, 6);
    expect(cell.safetyMode()).toBe(SAFETY_MODE.NORMAL);
  });

  it('holds still against gravity at zero command, with gravity torque in the effort', () => {
    const q0 = armQ();
    seconds(2);
    const js = cell.jointState();
    js.position.slice(0, 6).forEach((q, i) => expect(Math.abs(q - q0[i])).toBeLessThan(1e-6));
    js.velocity.slice(0, 6).forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-6));
    // The shoulder carries the arm: a real, non-zero holding torque.
    expect(Math.abs(js.effort[1])).toBeGreaterThan(5);
    // And again after a move has ended.
    cell.setJointVelocityCommand([0.3, -0.2, 0.3, 0, 0, 0]);
    seconds(0.5);
    cell.setJointVelocityCommand([0, 0, 0, 0, 0, 0]);
    seconds(1); // the servo settles (slowest pole ~10/s)
    const q1 = armQ();
    seconds(2);
    armQ().forEach((q, i) => expect(Math.abs(q - q1[i])).toBeLessThan(1e-5));
  });

  it('keeps executing a command sent once (the held-command hazard)', () => {
    expect(cell.setJointVelocityCommand([0.2, 0, 0, 0, 0, 0])).toBe(true);
    const q0 = armQ()[0];
    seconds(3);
    const js = cell.jointState();
    expect(js.velocity[0]).toBeCloseTo(0.2, 3);
    // 3 s at 0.2 rad/s minus the acceleration ramp (0.2 / 4 rad/s² → 5 ms lag).
    expect(js.position[0] - q0).toBeGreaterThan(0.55);
  });

  it('with a disturbance set, tracks a moving command with seeded, correlated error; at rest stays at rest; reset clears it', () => {
    const run = (disturb: boolean, command: number[]): number[][] => {
      cell.reset({ task: 'reach', seed: 1 });
      if (disturb) cell.setDisturbance({ sigma: 0.1, seed: 5 });
      cell.setJointVelocityCommand(command);
      const v: number[][] = [];
      for (let i = 0; i < 10; i++) {
        seconds(0.1);
        v.push(cell.jointState().velocity.slice(0, 6));
      }
      return v;
    };
    const cmd = [0.1, 0, 0, 0, 0, 0];
    const clean = run(false, cmd);
    const disturbed = run(true, cmd);
    const again = run(true, cmd);
    // Clean: the command exactly (after its ramp). Disturbed: off by a few 0.01 rad/s on every joint, the same for the same seed.
    expect(clean.at(-1)![0]).toBeCloseTo(0.1, 3);
    const err = disturbed.flatMap((v, k) => v.map((x, j) => Math.abs(x - clean[k][j])));
    expect(Math.max(...err)).toBeGreaterThan(0.03);
    expect(Math.max(...err)).toBeLessThan(0.5);
    expect(disturbed).toEqual(again);
    // Not moving when not commanded: zero command, zero motion, disturbance or not.
    const still = run(true, [0, 0, 0, 0, 0, 0]);
    expect(Math.max(...still.flat().map(Math.abs))).toBeLessThan(1e-3);
    // The reset that begins the next episode clears it.
    cell.reset({ task: 'reach', seed: 1 });
    cell.setJointVelocityCommand(cmd);
    seconds(1);
    expect(cell.jointState().velocity.slice(1, 6).every((x) => Math.abs(x) < 1e-3)).toBe(true);
  });

  it('drops malformed and non-finite commands whole, keeping the previous one', () => {
    expect(cell.setJointVelocityCommand([0.1, 0, 0, 0, 0, 0])).toBe(true);
    expect(cell.setJointVelocityCommand([Number.NaN, 0, 0, 0, 0, 0])).toBe(false);
    expect(cell.setJointVelocityCommand([0, 0, 0, 0, 0, Number.POSITIVE_INFINITY])).toBe(false);
    expect(cell.setJointVelocityCommand([0.1, 0, 0, 0, 0])).toBe(false);
    expect(cell.setJointVelocityCommand([0, 0, 0, 0, 0, 0, 0])).toBe(false);
    seconds(0.5);
    const v = cell.jointState().velocity;
    expect(v[0]).toBeCloseTo(0.1, 3);
    v.slice(1, 6).forEach((x) => expect(Math.abs(x)).toBeLessThan(1e-3));
    expect(cell.setGripperCommand(Number.NaN)).toBe(false);
    expect(cell.setGripperCommand(1.5)).toBe(false);
    expect(cell.setGripperCommand(-0.1)).toBe(false);
    expect(cell.setGripperCommand(1)).toBe(true);
  });

  it('ramps at the acceleration limit and never exceeds the joint speed limit', () => {
    cell.setJointVelocityCommand([10, 0, 0, 0, 0, 0]);
    seconds(0.1);
    // 4 rad/s² for 0.1 s.
    expect(cell.jointState().velocity[0]).toBeCloseTo(0.4, 1);
    let max = 0;
    for (let i = 0; i < 750; i++) {
      cell.step();
      max = Math.max(max, Math.abs(cell.jointState().velocity[0]));
    }
    expect(max).toBeGreaterThan(Math.PI * 0.98);
    expect(max).toBeLessThanOrEqual(UR5E.maxJointVelocity[0]);
  });

  it('closes the gripper to ~0.8 rad with nothing in it', () => {
    cell.setGripperCommand(1);
    seconds(1);
    expect(cell.jointState().position[6]).toBeGreaterThan(0.75);
    cell.setGripperCommand(0);
    seconds(1);
    expect(cell.jointState().position[6]).toBeLessThan(0.05);
  });
});

describe('wrench', () => {
  it('reads the gripper weight at rest, tool down (−m·g along the tool axis)', () => {
    seconds(0.2);
    const w = cell.wrench();
    const mg = gripperMass() * 9.81;
    expect(mg).toBeGreaterThan(5);
    expect(w.force[2]).toBeCloseTo(-mg, 1);
    expect(Math.hypot(w.force[0], w.force[1])).toBeLessThan(0.05);
    expect(Math.hypot(...w.torque)).toBeLessThan(0.05);
  });
});

describe('protective stop', () => {
  it('stops on a forced contact (driving into the table), holds, and waits for a new command after unlock', () => {
    const rest = cell.wrench().force[2];
    cell.setJointVelocityCommand(downwardCommand(0.2));
    let maxWrenchChange = 0;
    for (let i = 0; i < 5000 && cell.safetyMode() === SAFETY_MODE.NORMAL; i++) {
      cell.step();
      maxWrenchChange = Math.max(maxWrenchChange, Math.abs(cell.wrench().force[2] - rest));
    }
    expect(cell.safetyMode()).toBe(SAFETY_MODE.PROTECTIVE_STOP);
    expect(cell.protectiveStopReason()).toMatch(/contact force/);
    // The fingertips reached the table top (TCP 2 cm above it).
    expect(tcp()[2]).toBeLessThan(CELL_LAYOUT.tableTopZ + CELL_LAYOUT.tcpToFingertip + 0.01);
    // The sensor felt the table push back.
    expect(maxWrenchChange).toBeGreaterThan(50);
    // Commands are refused while stopped, and the arm comes to rest.
    expect(cell.setJointVelocityCommand([0.1, 0, 0, 0, 0, 0])).toBe(false);
    seconds(1);
    const held = armQ();
    seconds(0.5);
    armQ().forEach((q, i) => expect(Math.abs(q - held[i])).toBeLessThan(1e-4));
    cell.jointState().velocity.slice(0, 6).forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-3));
    // Unlock: NORMAL again, and the old downward command is gone.
    expect(cell.unlockProtectiveStop()).toEqual({ success: true, message: expect.any(String) });
    expect(cell.safetyMode()).toBe(SAFETY_MODE.NORMAL);
    const afterUnlock = armQ();
    seconds(1);
    expect(cell.safetyMode()).toBe(SAFETY_MODE.NORMAL);
    armQ().forEach((q, i) => expect(Math.abs(q - afterUnlock[i])).toBeLessThan(1e-3));
    // A new command moves it again (up, away from the table).
    expect(cell.setJointVelocityCommand(downwardCommand(-0.1))).toBe(true);
    const z0 = tcp()[2];
    seconds(0.5);
    expect(tcp()[2] - z0).toBeGreaterThan(0.03);
    expect(cell.safetyMode()).toBe(SAFETY_MODE.NORMAL);
  });

  it('respects a configured force threshold', async () => {
    const soft = await SimCell.create({ task: 'reach', seed: 1, protectiveStopForce: 40 });
    try {
      const q = soft.jointState().position.slice(0, 6);
      soft.setJointVelocityCommand(dampedLeastSquares(jacobian(UR5E, q, [...CELL_LAYOUT.tcpOffset]), [0, 0, -0.2, 0, 0, 0]));
      for (let i = 0; i < 5000 && soft.safetyMode() === SAFETY_MODE.NORMAL; i++) soft.step();
      expect(soft.protectiveStopReason()).toMatch(/exceeded 40 N/);
    } finally {
      soft.close();
    }
  });

  it('stops at a joint limit, and only commands away from it run after unlock', () => {
    expect(cell.unlockProtectiveStop().success).toBe(false);
    cell.setJointVelocityCommand([0, 0, 0, 0, 0, Math.PI]);
    for (let i = 0; i < 3000 && cell.safetyMode() === SAFETY_MODE.NORMAL; i++) cell.step();
    expect(cell.safetyMode()).toBe(SAFETY_MODE.PROTECTIVE_STOP);
    expect(cell.protectiveStopReason()).toMatch(/wrist_3_joint reached its position limit/);
    seconds(0.3);
    const q = armQ()[5];
    expect(q).toBeGreaterThan(2 * Math.PI - 0.05);
    expect(q).toBeLessThan(2 * Math.PI);
    expect(cell.unlockProtectiveStop().success).toBe(true);
    // Further into the limit: stopped again at once.
    cell.setJointVelocityCommand([0, 0, 0, 0, 0, 0.5]);
    seconds(0.1);
    expect(cell.safetyMode()).toBe(SAFETY_MODE.PROTECTIVE_STOP);
    cell.unlockProtectiveStop();
    cell.setJointVelocityCommand([0, 0, 0, 0, 0, -0.5]);
    seconds(0.5);
    expect(cell.safetyMode()).toBe(SAFETY_MODE.NORMAL);
    expect(armQ()[5]).toBeLessThan(q - 0.1);
  });

  it('enforces an unlock delay when configured (a real UR waits 5 s)', async () => {
    const real = await SimCell.create({ unlockDelay: 5 });
    try {
      real.setJointVelocityCommand([0, 0, 0, 0, 0, Math.PI]);
      for (let i = 0; i < 3000 && real.safetyMode() === SAFETY_MODE.NORMAL; i++) real.step();
      const early = real.unlockProtectiveStop();
      expect(early.success).toBe(false);
      expect(early.message).toMatch(/until 5s after occurrence/);
      for (let i = 0; i < 2600; i++) real.step();
      expect(real.unlockProtectiveStop().success).toBe(true);
    } finally {
      real.close();
    }
  });
});

describe('reset, tasks and object poses', () => {
  it('is deterministic by seed and returns the arm home', () => {
    cell.reset({ task: 'push', seed: 7 });
    const a = cell.objectPoses();
    cell.setJointVelocityCommand([0.3, 0, 0, 0, 0, 0]);
    seconds(0.5);
    const before = cell.time;
    cell.reset({ task: 'push', seed: 7 });
    // A new episode starts, but the cell's clock never goes back.
    expect(cell.episodeTime).toBe(0);
    expect(cell.time).toBeCloseTo(before, 9);
    expect(cell.objectPoses()).toEqual(a);
    armQ().forEach((q, i) => expect(q).toBeCloseTo(CELL_LAYOUT.homeJointPositions[i], 9));
    // The old command does not survive a reset.
    seconds(0.5);
    armQ().forEach((q, i) => expect(q).toBeCloseTo(CELL_LAYOUT.homeJointPositions[i], 6));
    cell.reset({ task: 'push', seed: 8 });
    expect(cell.objectPoses()).not.toEqual(a);
    expect(() => cell.reset({ task: 'fly' as never })).toThrow(/expected task one of/);
  });

  it('reports cube, target and goal where the layout put them (quaternions x,y,z,w)', () => {
    cell.reset({ task: 'pick_place', seed: 11 });
    const layout = sampleTaskLayout('pick_place', 11);
    const poses = cell.objectPoses();
    expect(poses.map((p) => p.name)).toEqual(['cube', 'target', 'goal']);
    const cube = poses[0];
    cube.position.forEach((x, i) => expect(x).toBeCloseTo(layout.cube.position[i], 9));
    const [x, y, z, w] = cube.orientation;
    expect(Math.hypot(x, y, z, w)).toBeCloseTo(1, 9);
    expect(2 * Math.atan2(z, w)).toBeCloseTo(layout.cube.yaw, 9);
    poses[1].position.forEach((v, i) => expect(v).toBeCloseTo(layout.target[i], 9));
    // The cube settles on the table and stays there.
    seconds(1);
    expect(cell.objectPoses()[0].position[2]).toBeCloseTo(CELL_LAYOUT.cubeHalfSize, 2);
    const status = cell.taskStatus();
    expect(status).toMatchObject({ task: 'pick_place', success: false });
    expect(status.progress).toBeLessThan(0.05);
  });

  it('reports reach success and progress when the TCP reaches the target', () => {
    cell.reset({ task: 'reach', seed: 2 });
    const target = cell.objectPoses()[1].position;
    expect(cell.taskStatus().success).toBe(false);
    // Drive the TCP by resolved rate until the status says done (bounded loop).
    for (let k = 0; k < 400 && !cell.taskStatus().success; k++) {
      const p = tcp();
      const e = [0, 1, 2].map((i) => target[i] - p[i]);
      cell.setJointVelocityCommand(dampedLeastSquares(jacobian(UR5E, armQ(), [...CELL_LAYOUT.tcpOffset]), [...e.map((x) => 2 * x), 0, 0, 0]));
      steps(10);
    }
    const s = cell.taskStatus();
    expect(s.success).toBe(true);
    expect(s.progress).toBe(1);
  });
});
