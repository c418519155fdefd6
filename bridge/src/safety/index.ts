export { SafetyLayer } from './SafetyLayer.ts';
export type { SafetyLayerOptions, SafetyStatus, SubmitResult, GateName, Motion } from './SafetyLayer.ts';
export type { SafetyInputs } from './SafetyInputs.ts';
export { inputsProblem } from './SafetyInputs.ts';
export type { JointVelocityCommand, CommandSource, OutputCommand } from './JointVelocityCommand.ts';
export { commandProblem } from './JointVelocityCommand.ts';
export type { SafetyEvent, SafetyEventKind } from './SafetyEvent.ts';
export { CLAMP, REFUSAL } from './SafetyEvent.ts';
export { EventThrottle } from './EventThrottle.ts';
export type { EventThrottleOptions } from './EventThrottle.ts';
export type { SafetyLimits, Vec3 } from './SafetyLimits.ts';
export {
  defaultSafetyLimits,
  resolveSafetyLimits,
  brakingTime,
  safetyModeName,
  UR_SAFETY_MODE,
  ISO_10218_REDUCED_SPEED,
  TELEOP_MAX_JOINT_VELOCITY,
  MAX_PUBLISH_RATE,
} from './SafetyLimits.ts';
export { limitVelocity, capScale } from './limitVelocity.ts';
export type { LimitContext, LimitReport, LimitResult } from './limitVelocity.ts';
