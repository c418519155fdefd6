// The I/O-free part of @cellkit/recorder (no `fs`).
export { Recorder } from './Recorder.ts';
export type { CameraDecl, NewDatasetInit, RecorderOptions, RecorderState, RecorderStatus, StartOptions, StopOptions } from './Recorder.ts';
export { RecorderError } from './RecorderError.ts';
export type { RecorderProblem } from './RecorderError.ts';
export { DEFAULT_NOMINAL_RATES, QualityMonitor } from './QualityMonitor.ts';
export type { QualityMonitorOptions, QualityReport, StreamQuality } from './QualityMonitor.ts';
export { RecordQueue } from './RecordQueue.ts';
export { fromLeaseChange, fromSafetyEvent } from './RecordingSource.ts';
export type {
  ActionSampleLike,
  CameraFrameLike,
  JointSampleLike,
  RecorderEventLike,
  RecordingSource,
  RecordingSourceEvents,
  RecordingSourceKind,
  SafetyEventLike,
  StatusSampleLike,
  WrenchSampleLike,
} from './RecordingSource.ts';
export { SPEED_SCALING_TOPIC, episodeStreams, jpegSize } from './episodeStreams.ts';
