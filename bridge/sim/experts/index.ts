export { createExpert } from './createExpert.ts';
export type { Expert, ExpertAction, ExpertObservation } from './expertTypes.ts';
export { ReachExpert } from './ReachExpert.ts';
export { PushExpert } from './PushExpert.ts';
export { PickPlaceExpert } from './PickPlaceExpert.ts';
export { CartesianController, nearestEquivalentAngle, yawOf } from './CartesianController.ts';
export type { CartesianControllerOptions, ToolDownTarget, CartesianCommand } from './CartesianController.ts';
export { runExpertEpisode, observe } from './runExpertEpisode.ts';
export type { RunExpertEpisodeOptions, EpisodeResult } from './runExpertEpisode.ts';
