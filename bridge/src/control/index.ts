export { CellController } from './CellController.ts';
export type {
  CellControllerOptions,
  ControlOutput,
  ControlResult,
  ControllerEvents,
  ControllerStatus,
  TickTiming,
  TickTrigger,
} from './CellController.ts';
export { CellClock } from './CellClock.ts';
export { twistToJointVelocities, twistProblem } from './twistToJointVelocities.ts';
export type { Twist } from './twistToJointVelocities.ts';
