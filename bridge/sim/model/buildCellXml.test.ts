import { describe, it, expect, afterAll } from 'vitest';
import { loadModelFromXml } from '../mujoco/loadMujoco.ts';
import { UR5E, UR3E, UR_JOINT_NAMES, forwardKinematics } from '../../src/kinematics/index.ts';
import { buildCellXml, CELL_LAYOUT, CELL_NAMES } from './index.ts';
import { mulberry32, WORKSPACE } from '../tasks/index.ts';

const built = await loadModelFromXml(buildCellXml());
const { mujoco, model } = built;
const data = new mujoco.MjData(model);
afterAll(() => {
  data.delete();
  model.delete();
});
const O = mujoco.mjtObj;
const id = (type: { value: number }, name: string) => mujoco.mj_name2id(model, type.value, name);

describe('buildCellXml', () => {
  it('compiles with the UR joint names, 2 ms step, cameras, sensors and objects', () => {
    expect(model.opt.timestep).toBe(0.002);
    for (const j of UR_JOINT_NAMES) expect(id(O.mjOBJ_JOINT, j)).toBeGreaterThanOrEqual(0);
    for (const c of ['scene', 'wrist']) expect(id(O.mjOBJ_CAMERA, c)).toBeGreaterThanOrEqual(0);
    for (const s of [CELL_NAMES.forceSensor, CELL_NAMES.torqueSensor]) expect(id(O.mjOBJ_SENSOR, s)).toBeGreaterThanOrEqual(0);
    for (const b of ['cube', 'target', 'goal']) expect(id(O.mjOBJ_BODY, b)).toBeGreaterThanOrEqual(0);
    expect(model.nmocap).toBe(2);
    expect(model.nsensordata).toBe(6);
    // Joint ranges: ±2π, elbow ±π.
    const range = model.jnt_range as Float64Array;
    const elbow = id(O.mjOBJ_JOINT, 'elbow_joint');
    expect(range[elbow * 2 + 1]).toBeCloseTo(Math.PI, 6);
    expect(range[id(O.mjOBJ_JOINT, 'wrist_3_joint') * 2 + 1]).toBeCloseTo(2 * Math.PI, 6);
  });

  it('gives the arm its UR link masses', () => {
    const mass = model.body_mass as Float64Array;
    CELL_NAMES.armBodies.forEach((b, i) => expect(mass[id(O.mjOBJ_BODY, b)]).toBeCloseTo(UR5E.linkMasses[i], 6));
  });

  it('makes markers visual only and colours the cube, target and goal distinctly', () => {
    const contype = model.geom_contype as Int32Array;
    const conaff = model.geom_conaffinity as Int32Array;
    const rgba = model.geom_rgba as Float32Array;
    for (const g of ['target_geom', 'target_stand', 'goal_geom']) {
      const i = id(O.mjOBJ_GEOM, g);
      expect(contype[i] | conaff[i]).toBe(0);
    }
    // The target's stand runs from the marker down through the table top from the highest reach target.
    const stand = id(O.mjOBJ_GEOM, 'target_stand');
    const halfLength = (model.geom_size as Float64Array)[stand * 3 + 1];
    const centreZ = (model.geom_pos as Float64Array)[stand * 3 + 2];
    expect(centreZ).toBeCloseTo(-halfLength, 9);
    expect(2 * halfLength).toBeGreaterThan(WORKSPACE.reachZ[1] + 0.02);
    const colour = (g: string) => Array.from(rgba.slice(id(O.mjOBJ_GEOM, g) * 4, id(O.mjOBJ_GEOM, g) * 4 + 3));
    const [cube, target, goal] = [colour('cube_geom'), colour('target_geom'), colour('goal_geom')];
    expect(cube[0]).toBeGreaterThan(0.7); // red
    expect(target[1]).toBeGreaterThan(0.7); // green
    expect(goal[0] + goal[1]).toBeGreaterThan(1.5); // yellow
    // Arm links do not collide with each other (contype 0), only with the world.
    const upper = id(O.mjOBJ_GEOM, 'upper_arm_link_geom');
    expect(contype[upper]).toBe(0);
    expect(conaff[upper]).toBe(1);
  });

  it('puts the flange site exactly where forwardKinematics(UR5E, q) says, for random q', () => {
    const rand = mulberry32(42);
    const site = id(O.mjOBJ_SITE, CELL_NAMES.flangeSite);
    const qadr = model.jnt_qposadr as Int32Array;
    const joints = UR_JOINT_NAMES.map((j) => id(O.mjOBJ_JOINT, j));
    for (let trial = 0; trial < 25; trial++) {
      const q = UR5E.jointLimits.map((l) => l.lower + (l.upper - l.lower) * rand());
      joints.forEach((j, i) => (data.qpos[qadr[j]] = q[i]));
      mujoco.mj_kinematics(model, data);
      const fk = forwardKinematics(UR5E, q);
      for (let r = 0; r < 3; r++) expect(Math.abs(data.site_xpos[site * 3 + r] - fk.position[r])).toBeLessThan(1e-6);
      for (let k = 0; k < 9; k++) expect(Math.abs(data.site_xmat[site * 9 + k] - fk.rotation[k])).toBeLessThan(1e-6);
      // The TCP site is the tool point of CELL_LAYOUT.tcpOffset.
      const tcp = forwardKinematics(UR5E, q, [...CELL_LAYOUT.tcpOffset]);
      const t = id(O.mjOBJ_SITE, CELL_NAMES.tcpSite);
      for (let r = 0; r < 3; r++) expect(Math.abs(data.site_xpos[t * 3 + r] - tcp.position[r])).toBeLessThan(1e-6);
    }
  });

  it('points the wrist camera along the tool axis and the scene camera at the workspace', () => {
    const home = CELL_LAYOUT.homeJointPositions;
    const qadr = model.jnt_qposadr as Int32Array;
    UR_JOINT_NAMES.forEach((j, i) => (data.qpos[qadr[id(O.mjOBJ_JOINT, j)]] = home[i]));
    mujoco.mj_kinematics(model, data);
    mujoco.mj_camlight(model, data);
    const camLook = (name: string) => {
      const c = id(O.mjOBJ_CAMERA, name);
      const m = data.cam_xmat as Float64Array;
      // A MuJoCo camera looks along its -z axis (third column of cam_xmat, negated).
      return { pos: Array.from((data.cam_xpos as Float64Array).slice(c * 3, c * 3 + 3)), dir: [-m[c * 9 + 2], -m[c * 9 + 5], -m[c * 9 + 8]] };
    };
    const wrist = camLook('wrist');
    const flange = forwardKinematics(UR5E, home);
    const toolZ = [flange.rotation[2], flange.rotation[5], flange.rotation[8]];
    expect(wrist.dir[0] * toolZ[0] + wrist.dir[1] * toolZ[1] + wrist.dir[2] * toolZ[2]).toBeCloseTo(1, 6);
    // The scene camera, projected as the cameras render it (160×120): every corner of the
    // object workspace (up to the highest reach target) and the robot base are in the image,
    // and the workspace fills most of it — small objects must not be a pixel or two wide.
    const c = id(O.mjOBJ_CAMERA, 'scene');
    const pos = Array.from((data.cam_xpos as Float64Array).slice(c * 3, c * 3 + 3));
    const m = Array.from((data.cam_xmat as Float64Array).slice(c * 9, c * 9 + 9));
    const [W, H] = [160, 120];
    const focal = H / 2 / Math.tan((((model.cam_fovy as Float64Array)[c] * Math.PI) / 180) / 2);
    const project = (p: number[]): [number, number] => {
      const v = [p[0] - pos[0], p[1] - pos[1], p[2] - pos[2]];
      // Camera axes are cam_xmat's columns: x right, y up, looking along -z.
      const [x, y, z] = [0, 1, 2].map((k) => v[0] * m[k] + v[1] * m[3 + k] + v[2] * m[6 + k]);
      expect(z).toBeLessThan(0);
      return [W / 2 + (focal * x) / -z, H / 2 - (focal * y) / -z];
    };
    const corners = WORKSPACE.x.flatMap((x) => WORKSPACE.y.flatMap((y) => [0, WORKSPACE.reachZ[1]].map((z) => project([x, y, z]))));
    for (const [u, v] of [...corners, project([0, 0, 0.09])]) {
      expect(u).toBeGreaterThan(2);
      expect(u).toBeLessThan(W - 2);
      expect(v).toBeGreaterThan(2);
      expect(v).toBeLessThan(H - 2);
    }
    const us = corners.map(([u]) => u);
    const vs = corners.map(([, v]) => v);
    expect(Math.max(...us) - Math.min(...us)).toBeGreaterThan(0.5 * W);
    expect(Math.max(...vs) - Math.min(...vs)).toBeGreaterThan(0.6 * H);
  });

  it('builds other UR arms from their DH parameters too', async () => {
    const other = await loadModelFromXml(buildCellXml({ arm: UR3E }));
    const d = new mujoco.MjData(other.model);
    const q = [0.4, -1.1, 1.3, -0.6, 0.9, -0.3];
    const qadr = other.model.jnt_qposadr as Int32Array;
    UR_JOINT_NAMES.forEach((j, i) => (d.qpos[qadr[mujoco.mj_name2id(other.model, O.mjOBJ_JOINT.value, j)]] = q[i]));
    mujoco.mj_kinematics(other.model, d);
    const site = mujoco.mj_name2id(other.model, O.mjOBJ_SITE.value, 'flange');
    const fk = forwardKinematics(UR3E, q);
    for (let r = 0; r < 3; r++) expect(Math.abs(d.site_xpos[site * 3 + r] - fk.position[r])).toBeLessThan(1e-6);
    d.delete();
    other.model.delete();
  });
});
