import type { MjData, MjModel } from 'mujoco-js';
import { UR5E } from '../../src/kinematics/index.ts';
import type { Mujoco } from '../mujoco/loadMujoco.ts';
import { CELL_NAMES } from '../model/index.ts';

/** Indices of the cell's named elements in a compiled model. */
export interface CellIds {
  armQpos: number[];
  armDof: number[];
  armActuators: number[];
  fingerQpos: number[];
  fingerDof: number[];
  fingerActuators: number[];
  /** Arm links and the F/T sensor: each checked alone for contact force. */
  armBodies: number[];
  /** Gripper palm and fingers: their contact forces are summed (squeezing cancels). */
  gripperBodies: number[];
  cubeBody: number;
  cubeQpos: number;
  cubeDof: number;
  targetMocap: number;
  goalMocap: number;
  tcpSite: number;
  flangeSite: number;
  forceAdr: number;
  torqueAdr: number;
}

export function resolveCellIds(mujoco: Mujoco, model: MjModel): CellIds {
  const O = mujoco.mjtObj;
  const id = (type: { value: number }, name: string): number => {
    const i = mujoco.mj_name2id(model, type.value, name);
    if (i < 0) throw new Error(`Cell model: expected an element named '${name}', found none; the MJCF must come from buildCellXml.`);
    return i;
  };
  const jntQpos = model.jnt_qposadr as Int32Array;
  const jntDof = model.jnt_dofadr as Int32Array;
  const armJoints = UR5E.jointNames.map((n) => id(O.mjOBJ_JOINT, n));
  const fingerJoints = CELL_NAMES.fingerJoints.map((n) => id(O.mjOBJ_JOINT, n));
  const cubeJoint = id(O.mjOBJ_JOINT, 'cube_joint');
  const mocap = model.body_mocapid as Int32Array;
  const sensorAdr = model.sensor_adr as Int32Array;
  return {
    armQpos: armJoints.map((j) => jntQpos[j]),
    armDof: armJoints.map((j) => jntDof[j]),
    armActuators: CELL_NAMES.armActuators.map((n) => id(O.mjOBJ_ACTUATOR, n)),
    fingerQpos: fingerJoints.map((j) => jntQpos[j]),
    fingerDof: fingerJoints.map((j) => jntDof[j]),
    fingerActuators: CELL_NAMES.fingerActuators.map((n) => id(O.mjOBJ_ACTUATOR, n)),
    armBodies: [...CELL_NAMES.armBodies, CELL_NAMES.ftSensorBody].map((n) => id(O.mjOBJ_BODY, n)),
    gripperBodies: CELL_NAMES.gripperBodies.map((n) => id(O.mjOBJ_BODY, n)),
    cubeBody: id(O.mjOBJ_BODY, CELL_NAMES.cubeBody),
    cubeQpos: jntQpos[cubeJoint],
    cubeDof: jntDof[cubeJoint],
    targetMocap: mocap[id(O.mjOBJ_BODY, CELL_NAMES.targetBody)],
    goalMocap: mocap[id(O.mjOBJ_BODY, CELL_NAMES.goalBody)],
    tcpSite: id(O.mjOBJ_SITE, CELL_NAMES.tcpSite),
    flangeSite: id(O.mjOBJ_SITE, CELL_NAMES.flangeSite),
    forceAdr: sensorAdr[id(O.mjOBJ_SENSOR, CELL_NAMES.forceSensor)],
    torqueAdr: sensorAdr[id(O.mjOBJ_SENSOR, CELL_NAMES.torqueSensor)],
  };
}

/** The MjData arrays the cell touches every step, as typed views. */
export interface CellViews {
  qpos: Float64Array;
  qvel: Float64Array;
  ctrl: Float64Array;
  qfrc_actuator: Float64Array;
  actuator_force: Float64Array;
  sensordata: Float64Array;
  cfrc_ext: Float64Array;
  xpos: Float64Array;
  xquat: Float64Array;
  site_xpos: Float64Array;
  mocap_pos: Float64Array;
}

export function cellViews(data: MjData): CellViews {
  return {
    qpos: data.qpos,
    qvel: data.qvel,
    ctrl: data.ctrl,
    qfrc_actuator: data.qfrc_actuator,
    actuator_force: data.actuator_force,
    sensordata: data.sensordata,
    cfrc_ext: data.cfrc_ext,
    xpos: data.xpos,
    xquat: data.xquat,
    site_xpos: data.site_xpos,
    mocap_pos: data.mocap_pos,
  };
}
