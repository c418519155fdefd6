export { CellRecording, compactQuality } from './CellRecording.ts';
export type { CellRecordingOptions } from './CellRecording.ts';
export { CellRecordingSource } from './CellRecordingSource.ts';
export type { CellRecordingSourceOptions, RecordedControl } from './CellRecordingSource.ts';
export { RecordingError } from './RecordingPort.ts';
export type { RecordingEvents, RecordingPort, RecordingStartRequest, RecordingStatus, RecordingStopRequest } from './RecordingPort.ts';
