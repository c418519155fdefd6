export { PolicyRunner } from './PolicyRunner.ts';
export type { InterventionSink, PolicyControl, PolicyMode, PolicyRunnerEvents, PolicyRunnerOptions, PolicyStartOptions, PolicyStatus, PolicyStep } from './PolicyRunner.ts';
export { PolicyError, problem } from './PolicyError.ts';
export { loadPolicy } from './loadPolicy.ts';
export type { LoadPolicyOptions, LoadedPolicy, Predictor } from './loadPolicy.ts';
export { createPolicyAdapter } from './PolicyAdapter.ts';
export type { AdapterProblem, LatestSamples, PolicyAdapter } from './PolicyAdapter.ts';
export { recordInterventions } from './recordInterventions.ts';
export type { RecordInterventionsOptions } from './recordInterventions.ts';
