export { getProfile, listProfiles, registerProfile } from './profileRegistry.ts';
export { urProfile } from './ur/urProfile.ts';
export { urRos1Profile } from './ur-ros1/urRos1Profile.ts';
export { servoProfile, SERVO_STATUS_TO_SAFETY_MODE } from './servo/servoProfile.ts';
export { createUrDriverAdapter } from './ur/createUrDriverAdapter.ts';
export type { UrDriverFlavour, UrTopicRole } from './ur/createUrDriverAdapter.ts';
export { resolveSettings, cameraTopicName } from './resolveSettings.ts';
export type { ResolvedSettings } from './resolveSettings.ts';
export { getArmModel, listArmModels } from './getArmModel.ts';
export { JointStateDecoder } from './decode/JointStateDecoder.ts';
export type { JointStateDecoderOptions } from './decode/JointStateDecoder.ts';
export { fromRosTime, toRosTime, headerStamp } from './decode/rosTime.ts';
export type { RosVersion } from './decode/rosTime.ts';
export { decodeBytes } from './decode/decodeBytes.ts';
export type {
  CellAction,
  CellInput,
  GripperSettings,
  OutgoingCommand,
  Problem,
  ProfileAdapter,
  ProfileSettings,
  ProfileSubscription,
  RobotProfile,
  RosRef,
} from './RobotProfile.ts';
