// The I/O-free part of @cellkit/datasets (no `fs`): safe for browsers and
// workers. Node adapters are added by index.ts.
export { EpisodeWriter } from './EpisodeWriter.ts';
export type {
  AddStreamOptions,
  EncodedMessage,
  EpisodeMessage,
  EpisodeSummary,
  EpisodeWritable,
  EpisodeWriterOptions,
} from './EpisodeWriter.ts';
export { recoverMcap } from './recoverMcap.ts';
export type { McapRecoveryReport, RecoverMcapOptions } from './recoverMcap.ts';
export { recoverEpisodeFile } from './recoverEpisodeFile.ts';
export type { EpisodeRecoveryReport } from './recoverEpisodeFile.ts';
export { Dataset, EpisodeRecording, applyRecovery, checkExcludedSpans } from './Dataset.ts';
export type { DatasetOptions, FinishEpisodeOptions, RelabelPatch, StartEpisodeOptions } from './Dataset.ts';
export type { DatasetStorage } from './DatasetStorage.ts';
export { DATASET_SCHEMA_VERSION, episodeStem } from './datasetTypes.ts';
export type {
  DatasetInfo,
  DatasetStats,
  EpisodeMeta,
  EpisodeOutcome,
  EpisodeStatus,
  ExcludedSpan,
  FeatureSpec,
  FeatureStats,
} from './datasetTypes.ts';
export { AlignedReader } from './AlignedReader.ts';
export type { AlignOptions, AlignedCamera, AlignedEpisode, AlignedFeature } from './AlignedReader.ts';
export { MemoryAlignedCache, decodeAligned, encodeAligned } from './alignedCache.ts';
export type { AlignedCache } from './alignedCache.ts';
export { StatsAccumulator } from './StatsAccumulator.ts';
export { decodeJpegRgb, resizeRgb } from './images.ts';
export type { RgbImage } from './images.ts';
export { validateDataset, validateEpisode } from './validate.ts';
export type { Problem, ValidateEpisodeOptions } from './validate.ts';
export { crc32 } from './mcap/crc32.ts';
export { Ros2Codec } from './ros2/Ros2Codec.ts';
export type { Ros2CodecOptions } from './ros2/Ros2Codec.ts';
export { fullTypeName, isKnownRos2Type, knownRos2Types, ros2SchemaText, shortTypeName } from './ros2/definitions.ts';
export {
  CAMERA_TYPE,
  EPISODE_TOPICS,
  GRIPPER_JOINT,
  SAFETY_MODE,
  cameraNameOf,
  cameraTopic,
} from './ros2/messages.ts';
export type {
  CompressedImage,
  Event,
  Header,
  JointCommand,
  JointState,
  SafetyMode,
  Vector3,
  WrenchStamped,
} from './ros2/messages.ts';
export { nsToSeconds, ros2TimeToNs, ros2TimeToSeconds, secondsToNs, secondsToRos2Time } from './ros2/time.ts';
export type { Ros2Time } from './ros2/time.ts';
export { featuresFor } from './features.ts';
export type { FeatureLayout } from './features.ts';
