import { UR5E, UR_JOINT_NAMES } from '../../src/kinematics/index.ts';
import type { ArmModel } from '../../src/kinematics/index.ts';
import { CELL_LAYOUT } from './cellLayout.ts';

export interface CellXmlOptions {
  /** Arm to build from its DH parameters (default UR5E). */
  arm?: ArmModel;
  /** Physics step in seconds (default 0.002, the UR driver's 500 Hz). */
  timestep?: number;
}

/** Names of the model elements other code looks up (bodies, sites, sensors, actuators, cameras). */
export const CELL_NAMES = {
  armBodies: ['shoulder_link', 'upper_arm_link', 'forearm_link', 'wrist_1_link', 'wrist_2_link', 'wrist_3_link'],
  ftSensorBody: 'ft_sensor',
  gripperBodies: ['gripper', 'left_finger', 'right_finger'],
  flangeSite: 'flange',
  tcpSite: 'tcp',
  ftSite: 'ft_site',
  forceSensor: 'ft_force',
  torqueSensor: 'ft_torque',
  armActuators: UR_JOINT_NAMES.map((j) => j.replace('_joint', '')),
  fingerJoints: ['left_finger_joint', 'right_finger_joint'],
  fingerActuators: ['left_finger', 'right_finger'],
  cubeBody: 'cube',
  targetBody: 'target',
  goalBody: 'goal',
  cameras: ['scene', 'wrist'],
} as const;

/**
 * Servo gains of the arm's joint position actuators (N·m/rad, N·m·s/rad).
 * The cell feeds them a ramped setpoint plus a velocity feed-forward, so
 * together they act as a stiff joint velocity servo (see SimCell).
 */
export const ARM_SERVO_GAINS = {
  kp: [4000, 4000, 3000, 800, 800, 800],
  kv: [400, 400, 300, 60, 60, 60],
} as const;

// UR5e joint torque limits (size 3 joints 150 N·m, size 1 wrists 28 N·m).
const TORQUE_LIMITS = [150, 150, 150, 28, 28, 28];
const ARMATURE = [0.1, 0.1, 0.1, 0.03, 0.03, 0.03];
const LINK_RADIUS = [0.06, 0.054, 0.04, 0.038, 0.038, 0.032];
/** The target stand reaches from the marker to below the table top for every reach height (WORKSPACE.reachZ ≤ 0.35 m). */
const TARGET_STAND_LENGTH = 0.42;

const RGBA = {
  floor: '0.25 0.26 0.28 1',
  table: '0.62 0.62 0.64 1',
  tableLeg: '0.4 0.4 0.42 1',
  arm: '0.68 0.78 0.88 1',
  joint: '0.35 0.42 0.52 1',
  sensor: '0.2 0.2 0.22 1',
  gripper: '0.12 0.12 0.14 1',
  finger: '0.05 0.05 0.06 1',
  cube: '0.85 0.1 0.1 1',
  target: '0.1 0.8 0.2 1',
  targetStand: '0.08 0.45 0.12 1',
  goal: '0.95 0.85 0.1 1',
};

const f = (x: number) => (Math.abs(x) < 1e-12 ? '0' : Number(x.toFixed(9)).toString());
const v3 = (a: number, b: number, c: number) => `${f(a)} ${f(b)} ${f(c)}`;

/** Inertial element of a solid rod (capsule-ish) of mass m from p0 to p1 with radius r. */
function rodInertial(m: number, p0: number[], p1: number[], r: number): string {
  const L = Math.hypot(p1[0] - p0[0], p1[1] - p0[1], p1[2] - p0[2]);
  const perp = (m * L * L) / 12 + (m * r * r) / 4;
  const axial = (m * r * r) / 2;
  const axis = L === 0 ? 2 : [0, 1, 2].reduce((best, i) => (Math.abs(p1[i] - p0[i]) > Math.abs(p1[best] - p0[best]) ? i : best), 0);
  const I = [perp, perp, perp];
  I[axis] = axial;
  const mid = [(p0[0] + p1[0]) / 2, (p0[1] + p1[1]) / 2, (p0[2] + p1[2]) / 2];
  return `<inertial pos="${v3(mid[0], mid[1], mid[2])}" mass="${f(m)}" diaginertia="${v3(I[0], I[1], I[2])}"/>`;
}

/**
 * MJCF of the cell. The arm's bodies are laid out so that each body frame is
 * DH frame i-1 turned by joint i, which makes MuJoCo's `flange` site pose equal
 * `forwardKinematics(arm, q)` exactly. Collision: links, gripper and fingers
 * (contype 0, conaffinity 1) touch the table, floor and cube (contype 1) but not
 * each other, which keeps the contact count — and the step cost — small.
 */
export function buildCellXml(opts: CellXmlOptions = {}): string {
  const arm = opts.arm ?? UR5E;
  const timestep = opts.timestep ?? 0.002;
  const L = CELL_LAYOUT;
  const { a, d, alpha } = arm.dh;
  const names = CELL_NAMES;
  const robot = 'contype="0" conaffinity="1" group="1"';
  const visual = 'contype="0" conaffinity="0" group="2"';
  const world = 'contype="1" conaffinity="1"';

  // Link geometry along the DH offsets of each body: joint i's body carries the
  // offset (a_i, 0, d_i) to the next joint.
  const segment = (i: number): number[] => [a[i], 0, d[i]];

  const bodies: string[] = [];
  const close: string[] = [];
  for (let i = 0; i < 6; i++) {
    const pos = i === 0 ? '0 0 0' : v3(a[i - 1], 0, d[i - 1]);
    const quat = i === 0 ? '1 0 0 0' : v3(Math.cos(alpha[i - 1] / 2), Math.sin(alpha[i - 1] / 2), 0) + ' 0';
    const lim = arm.jointLimits[i];
    const seg = segment(i);
    const r = LINK_RADIUS[i];
    // The shoulder column rises from the base: keep it out of contact with the table it stands on.
    const linkClass = i === 0 ? visual : robot;
    bodies.push(
      `<body name="${names.armBodies[i]}" pos="${pos}" quat="${quat}" gravcomp="1">`,
      `  <joint name="${arm.jointNames[i]}" type="hinge" axis="0 0 1" range="${f(lim.lower)} ${f(lim.upper)}" limited="true"` +
        ` armature="${ARMATURE[i]}" damping="0.5" actuatorfrcrange="${-TORQUE_LIMITS[i]} ${TORQUE_LIMITS[i]}" actuatorgravcomp="true"/>`,
      `  ${rodInertial(arm.linkMasses[i], [0, 0, 0], seg, r)}`,
      `  <geom name="${names.armBodies[i]}_geom" type="capsule" fromto="0 0 0 ${v3(seg[0], seg[1], seg[2])}" size="${r}" rgba="${RGBA.arm}" ${linkClass}/>`,
      `  <geom type="cylinder" size="${f(r * 1.15)} ${f(r * 0.9)}" rgba="${RGBA.joint}" ${visual}/>`,
    );
    close.push('</body>');
  }
  const [fx, fy, fz] = L.fingerHalfSize;
  const fingerX = L.fingerOpenHalfGap + fx;
  const tcpZ = L.tcpOffset[2] - L.ftSensorLength;
  const finger = (side: 'left' | 'right', sign: number) =>
    [
      `<body name="${side}_finger" pos="0 0 ${f(L.palmLength)}" gravcomp="1">`,
      `  <joint name="${side}_finger_joint" type="slide" axis="${f(-sign)} 0 0" range="0 ${f(L.fingerTravel)}" limited="true" damping="5" armature="0.01"/>`,
      `  <geom name="${side}_finger_geom" type="box" pos="${v3(sign * fingerX, 0, fz)}" size="${v3(fx, fy, fz)}" mass="0.05"` +
        ` rgba="${RGBA.finger}" friction="1.2 0.01 0.001" condim="4" ${robot}/>`,
      `</body>`,
    ].join('\n');

  const flangeTool = [
    `<site name="${names.flangeSite}" pos="0 0 ${f(d[5])}" size="0.005" rgba="1 0 1 1" group="4"/>`,
    `<body name="${names.ftSensorBody}" pos="0 0 ${f(d[5])}" gravcomp="1">`,
    `  <geom name="ft_sensor_geom" type="cylinder" fromto="0 0 0 0 0 ${f(L.ftSensorLength)}" size="0.0375" mass="0.3" rgba="${RGBA.sensor}" ${robot}/>`,
    `  <body name="gripper" pos="0 0 ${f(L.ftSensorLength)}" gravcomp="1">`,
    `    <site name="${names.ftSite}" size="0.004" rgba="1 1 0 1" group="4"/>`,
    `    <site name="${names.tcpSite}" pos="0 0 ${f(tcpZ)}" size="0.004" rgba="0 1 1 1" group="4"/>`,
    `    <geom name="palm_geom" type="box" pos="0 0 ${f(L.palmLength / 2)}" size="${v3(fingerX + fx + 0.005, 0.03, L.palmLength / 2)}" mass="0.7" rgba="${RGBA.gripper}" ${robot}/>`,
    // The wrist camera sits on the palm's side and looks along the tool axis (a camera looks along its own -z).
    `    <camera name="wrist" pos="0 0.045 0.05" quat="0 1 0 0" fovy="75"/>`,
    finger('left', 1),
    finger('right', -1),
    `  </body>`,
    `</body>`,
  ].join('\n');

  const [tcx, tcy] = L.tableCenter;
  const [thx, thy] = L.tableHalfSize;
  // The scene camera frames the object workspace (tasks/taskLayout.ts WORKSPACE, up to 0.35 m
  // above the table) from the front left, so that the objects a policy must find are large
  // in the image (a 2 cm marker ~2.4 px in 96 px, 1.6× the old wide view) and the arm, which
  // reaches in from behind, rarely hides them. The robot base is still in view.
  const scene = lookAt([-1.3, -0.45, 0.9], [-0.5, -0.13, 0.14]);

  return `<mujoco model="cellkit_${arm.name}_cell">
  <compiler angle="radian" autolimits="true"/>
  <option timestep="${f(timestep)}" integrator="implicitfast" cone="pyramidal"/>
  <visual><global offwidth="1280" offheight="960"/></visual>
  <worldbody>
    <light name="key" pos="-0.5 -0.5 2.5" dir="0.2 0.2 -1" directional="true"/>
    <geom name="floor" type="plane" pos="0 0 ${f(L.tableTopZ - L.tableHeight)}" size="3 3 0.1" rgba="${RGBA.floor}" ${world}/>
    <geom name="table" type="box" pos="${v3(tcx, tcy, L.tableTopZ - 0.02)}" size="${v3(thx, thy, 0.02)}" rgba="${RGBA.table}" friction="0.6 0.005 0.0001" ${world}/>
    <geom name="table_stand" type="box" pos="${v3(tcx, tcy, L.tableTopZ - L.tableHeight / 2 - 0.02)}" size="${v3(thx - 0.08, thy - 0.08, L.tableHeight / 2 - 0.02)}" rgba="${RGBA.tableLeg}" ${visual}/>
    <geom name="robot_base" type="cylinder" fromto="0 0 ${f(L.tableTopZ)} 0 0 0.09" size="0.075" rgba="${RGBA.joint}" ${visual}/>
    <camera name="scene" pos="${v3(scene.pos[0], scene.pos[1], scene.pos[2])}" xyaxes="${scene.xyaxes}" fovy="38"/>
    ${bodies.join('\n    ')}
    ${flangeTool}
    ${close.join('')}
    <body name="${names.cubeBody}" pos="-0.5 0.3 ${f(L.tableTopZ + L.cubeHalfSize)}">
      <freejoint name="cube_joint"/>
      <geom name="cube_geom" type="box" size="${v3(L.cubeHalfSize, L.cubeHalfSize, L.cubeHalfSize)}" mass="${f(L.cubeMass)}" rgba="${RGBA.cube}" friction="1 0.01 0.001" condim="4" ${world}/>
    </body>
    <body name="${names.targetBody}" mocap="true" pos="-0.5 0 0.2">
      <geom name="target_geom" type="sphere" size="${f(L.targetRadius)}" rgba="${RGBA.target}" ${visual}/>
      <geom name="target_stand" type="cylinder" fromto="0 0 0 0 0 ${f(-TARGET_STAND_LENGTH)}" size="${f(L.targetStandRadius)}" rgba="${RGBA.targetStand}" ${visual}/>
    </body>
    <body name="${names.goalBody}" mocap="true" pos="-0.5 -0.3 ${f(L.tableTopZ)}">
      <geom name="goal_geom" type="cylinder" pos="0 0 0.0006" size="${f(L.goalRadius)} 0.0005" rgba="${RGBA.goal}" ${visual}/>
    </body>
  </worldbody>
  <actuator>
    ${arm.jointNames
      .map((j, i) => `<position name="${names.armActuators[i]}" joint="${j}" kp="${ARM_SERVO_GAINS.kp[i]}" kv="${ARM_SERVO_GAINS.kv[i]}"/>`)
      .join('\n    ')}
    <position name="left_finger" joint="left_finger_joint" kp="600" kv="10" ctrlrange="0 ${f(L.fingerTravel)}" forcerange="-25 25"/>
    <position name="right_finger" joint="right_finger_joint" kp="600" kv="10" ctrlrange="0 ${f(L.fingerTravel)}" forcerange="-25 25"/>
  </actuator>
  <sensor>
    <force name="${names.forceSensor}" site="${names.ftSite}"/>
    <torque name="${names.torqueSensor}" site="${names.ftSite}"/>
  </sensor>
</mujoco>
`;
}

/** Camera pose looking from `eye` at `target`, z up: MuJoCo xyaxes (camera x right, y up, looks along -z). */
function lookAt(eye: number[], target: number[]): { pos: number[]; xyaxes: string } {
  const fwd = norm([target[0] - eye[0], target[1] - eye[1], target[2] - eye[2]]);
  const right = norm(cross(fwd, [0, 0, 1]));
  const up = cross(right, fwd);
  return { pos: eye, xyaxes: [...right, ...up].map(f).join(' ') };
}
function cross(a: number[], b: number[]): number[] {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}
function norm(a: number[]): number[] {
  const n = Math.hypot(a[0], a[1], a[2]);
  return [a[0] / n, a[1] / n, a[2] / n];
}
