export { DirBundleStore } from './DirBundleStore.ts';
export { DirCheckpointStore } from './DirCheckpointStore.ts';
export { trainDatasetDir, RUN_DEFAULTS, RunSettingsError, TrainInterrupted, DEFAULT_STATE, IMAGE_POLICY_DEFAULT_STATE, defaultStateFor } from './trainDatasetDir.ts';
export type { DerivedStateFactory, RunSettings, TrainDatasetDirOptions, TrainDatasetDirResult } from './trainDatasetDir.ts';
export { TrainProgressPrinter, formatDuration, formatLoss } from './TrainProgressPrinter.ts';
export type { ProgressStream, TrainProgressPrinterOptions } from './TrainProgressPrinter.ts';
export { workerGradientHelper } from './workerGradientHelper.ts';
export type { WorkerGradientHelperOptions } from './workerGradientHelper.ts';
