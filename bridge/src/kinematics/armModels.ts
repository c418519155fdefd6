/**
 * Universal Robots e-Series arm descriptions.
 *
 * DH parameters are UR's published standard DH ("DH parameters for
 * calculations of kinematics and dynamics", Universal Robots support article),
 * in the UR sign convention (a2, a3 negative). Frame 0 is the controller's
 * `base` frame (z up along the mounting flange axis); frame 6 is the tool flange
 * (`tool0`). Link masses come from the same article.
 *
 * Joint position limits follow ur_description: ±2π for every joint except the
 * elbow (±π). Speed limits are the datasheet maxima (ur_description
 * joint_limits.yaml). UR publishes no joint acceleration limit for teleop; the
 * values here are conservative ramps used by the sim's velocity servo and the
 * safety layer, not hardware maxima (the controller allows far more).
 */
export interface ArmModel {
  name: string;
  jointNames: string[];
  /** Standard DH, UR convention, metres and radians. */
  dh: { a: number[]; d: number[]; alpha: number[] };
  jointLimits: { lower: number; upper: number }[];
  /** rad/s */
  maxJointVelocity: number[];
  /** rad/s² */
  maxJointAcceleration: number[];
  /** kg, links 1..6 */
  linkMasses: number[];
}

export const UR_JOINT_NAMES: string[] = [
  'shoulder_pan_joint',
  'shoulder_lift_joint',
  'elbow_joint',
  'wrist_1_joint',
  'wrist_2_joint',
  'wrist_3_joint',
];

const HALF_PI = Math.PI / 2;
const TWO_PI = 2 * Math.PI;
const DEG = Math.PI / 180;
const UR_ALPHA = [HALF_PI, 0, 0, HALF_PI, -HALF_PI, 0];
const UR_LIMITS = [TWO_PI, TWO_PI, Math.PI, TWO_PI, TWO_PI, TWO_PI].map((l) => ({ lower: -l, upper: l }));

export const UR3E: ArmModel = {
  name: 'ur3e',
  jointNames: [...UR_JOINT_NAMES],
  dh: {
    a: [0, -0.24355, -0.2132, 0, 0, 0],
    d: [0.15185, 0, 0, 0.13105, 0.08535, 0.0921],
    alpha: [...UR_ALPHA],
  },
  jointLimits: UR_LIMITS.map((l) => ({ ...l })),
  // Base, shoulder, elbow 180°/s; wrists 360°/s.
  maxJointVelocity: [180, 180, 180, 360, 360, 360].map((v) => v * DEG),
  maxJointAcceleration: [5, 5, 5, 10, 10, 10],
  linkMasses: [1.98, 3.4445, 1.437, 0.871, 0.805, 0.261],
};

export const UR5E: ArmModel = {
  name: 'ur5e',
  jointNames: [...UR_JOINT_NAMES],
  dh: {
    a: [0, -0.425, -0.3922, 0, 0, 0],
    d: [0.1625, 0, 0, 0.1333, 0.0997, 0.0996],
    alpha: [...UR_ALPHA],
  },
  jointLimits: UR_LIMITS.map((l) => ({ ...l })),
  // All joints 180°/s.
  maxJointVelocity: [180, 180, 180, 180, 180, 180].map((v) => v * DEG),
  maxJointAcceleration: [4, 4, 4, 8, 8, 8],
  linkMasses: [3.761, 8.058, 2.846, 1.37, 1.3, 0.365],
};

export const UR10E: ArmModel = {
  name: 'ur10e',
  jointNames: [...UR_JOINT_NAMES],
  dh: {
    a: [0, -0.6127, -0.57155, 0, 0, 0],
    d: [0.1807, 0, 0, 0.17415, 0.11985, 0.11655],
    alpha: [...UR_ALPHA],
  },
  jointLimits: UR_LIMITS.map((l) => ({ ...l })),
  // Base and shoulder 120°/s; elbow and wrists 180°/s.
  maxJointVelocity: [120, 120, 180, 180, 180, 180].map((v) => v * DEG),
  maxJointAcceleration: [3, 3, 3, 6, 6, 6],
  linkMasses: [7.369, 13.051, 3.989, 2.1, 1.98, 0.615],
};
