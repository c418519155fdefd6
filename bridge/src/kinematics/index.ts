export { UR3E, UR5E, UR10E, UR_JOINT_NAMES } from './armModels.ts';
export type { ArmModel } from './armModels.ts';
export { forwardKinematics, dhFrames } from './forwardKinematics.ts';
export type { Pose } from './forwardKinematics.ts';
export { jacobian } from './jacobian.ts';
export { dampedLeastSquares, manipulability } from './dampedLeastSquares.ts';
export type { DampedLeastSquaresOptions } from './dampedLeastSquares.ts';
