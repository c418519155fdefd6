export type {
  CameraFrame,
  CellCommand,
  CellConnection,
  CellDescription,
  CellEvents,
  CellStatusSample,
  ConnectionHealth,
  ConnectionState,
  JointLimit,
  JointSample,
  WrenchSample,
} from './Cell.ts';
export { RosCellConnection } from './RosCellConnection.ts';
export type { RosCellConnectionOptions } from './RosCellConnection.ts';
export { TypedEmitter } from './TypedEmitter.ts';
export type { EventMap } from './TypedEmitter.ts';
