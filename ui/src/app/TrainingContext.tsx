/**
 * What the Train panels get: selector hooks on the training store and its
 * actions (the model). Panels never fetch themselves.
 */
import { createContext, useContext, useSyncExternalStore } from 'react';
import type { TrainingModel, TrainingState } from '../data/training/TrainingModel.ts';

export const TrainingContext = createContext<TrainingModel | null>(null);

export function useTrainingModel(): TrainingModel {
  const model = useContext(TrainingContext);
  if (!model) throw new Error('cellkit ui: expected a <TrainingContext.Provider> above this panel, found none');
  return model;
}

/** Re-renders only when `selector`'s result changes (Object.is). */
export function useTraining<T>(selector: (s: TrainingState) => T): T {
  const model = useTrainingModel();
  return useSyncExternalStore(model.store.subscribe, () => selector(model.store.getSnapshot()));
}
