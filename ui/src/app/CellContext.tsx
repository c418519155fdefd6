/**
 * What panels get from the app: narrow selector hooks on the one store,
 * the high-rate buffers for imperative drawing, and actions. Panels never
 * see the socket: they call `useActions()`, which sends through the client.
 */
import { createContext, useContext, useEffect, useRef, useSyncExternalStore } from 'react';
import type { BridgeClient } from '../data/BridgeClient.ts';
import type { CameraFrames } from '../data/CameraFrames.ts';
import type { CellState } from '../data/cellState.ts';
import type { PolicyTrace } from '../data/PolicyTrace.ts';
import type { Telemetry } from '../data/Telemetry.ts';
import type { JogController } from '../teleop/JogController.ts';
import type { CellActions } from './CellActions.ts';

export interface CellContextValue {
  client: BridgeClient;
  actions: CellActions;
  jog: JogController;
}

export const CellContext = createContext<CellContextValue | null>(null);

function useCtx(): CellContextValue {
  const ctx = useContext(CellContext);
  if (!ctx) throw new Error('cellkit ui: expected a <CellContext.Provider> above this panel, found none');
  return ctx;
}

/** Re-renders only when `selector`'s result changes (Object.is): select primitives or stored references. */
export function useCell<T>(selector: (s: CellState) => T): T {
  const { client } = useCtx();
  return useSyncExternalStore(client.store.subscribe, () => selector(client.store.getSnapshot()));
}

export function useActions(): CellActions {
  return useCtx().actions;
}

export function useJog(): JogController {
  return useCtx().jog;
}

/** The ring buffers; read them in `useFrameLoop`, never in render. */
export function useTelemetry(): Telemetry {
  return useCtx().client.telemetry;
}

export function useCameraFrames(): CameraFrames {
  return useCtx().client.cameras;
}

/** Predicted vs executed policy velocities; read in `useFrameLoop`, never in render. */
export function usePolicyTrace(): PolicyTrace {
  return useCtx().client.policyTrace;
}

/** Calls `onFrame` on every animation frame while mounted (the latest callback, without re-subscribing). */
export function useFrameLoop(onFrame: (t: number) => void): void {
  const ref = useRef(onFrame);
  ref.current = onFrame;
  useEffect(() => {
    let id = 0;
    const loop = (t: number): void => {
      ref.current(t);
      id = requestAnimationFrame(loop);
    };
    id = requestAnimationFrame(loop);
    return () => cancelAnimationFrame(id);
  }, []);
}

/** Is this screen the one holding the control lease? */
export function useIHoldControl(): boolean {
  return useCell((s) => s.link.state === 'open' && s.welcome !== null && s.lease.holder === s.welcome.clientId);
}
