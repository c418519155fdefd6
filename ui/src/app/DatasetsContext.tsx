/**
 * What the Datasets panels get: selector hooks on the datasets store, its
 * actions, and the replay clock (read on animation frames, never in render).
 */
import { createContext, useContext, useSyncExternalStore } from 'react';
import type { DatasetsModel, DatasetsState } from '../data/datasets/DatasetsModel.ts';
import type { ReplayClock } from '../data/datasets/ReplayClock.ts';

export interface DatasetsContextValue {
  model: DatasetsModel;
  clock: ReplayClock;
}

export const DatasetsContext = createContext<DatasetsContextValue | null>(null);

function useCtx(): DatasetsContextValue {
  const ctx = useContext(DatasetsContext);
  if (!ctx) throw new Error('cellkit ui: expected a <DatasetsContext.Provider> above this panel, found none');
  return ctx;
}

/** Re-renders only when `selector`'s result changes (Object.is). */
export function useDatasets<T>(selector: (s: DatasetsState) => T): T {
  const { model } = useCtx();
  return useSyncExternalStore(model.store.subscribe, () => selector(model.store.getSnapshot()));
}

export function useDatasetsModel(): DatasetsModel {
  return useCtx().model;
}

export function useReplayClock(): ReplayClock {
  return useCtx().clock;
}

/** Low-rate clock state (playing, speed) for the buttons that show it. */
export function useClockState<T>(selector: (c: ReplayClock) => T): T {
  const { clock } = useCtx();
  return useSyncExternalStore(clock.subscribe, () => selector(clock));
}
