export { SimCell, SAFETY_MODE } from './SimCell.ts';
export type { SimCellOptions, ObjectPose, JointStateSample, TaskName } from './SimCell.ts';
export { JointVelocityServo } from './JointVelocityServo.ts';
export { VelocityDisturbance } from './VelocityDisturbance.ts';
