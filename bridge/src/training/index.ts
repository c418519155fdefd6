export { trainingRoutes } from './trainingRoutes.ts';
export type { TrainingRoutesOptions } from './trainingRoutes.ts';
export { TrainingJobs, tipForTraining } from './TrainingJobs.ts';
export type { StartJobOptions, TrainingJobsOptions } from './TrainingJobs.ts';
export { listPolicies, POLICY_FOLDER_PATTERN } from './listPolicies.ts';
export type * from './trainingApi.ts';
