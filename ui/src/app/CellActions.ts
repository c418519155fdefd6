/**
 * Everything a person can ask of the cell from a panel, as plain calls.
 * Each returns false when the request could not even leave the screen
 * (no connection): the panel then tells the person so.
 */
import type { BridgeClient } from '../data/BridgeClient.ts';

export interface CellActions {
  estop(reason?: string): boolean;
  resetEstop(): boolean;
  takeControl(): boolean;
  releaseControl(): boolean;
  /** 0 open … 1 closed. */
  gripper(position: number): boolean;
}

export function clientActions(client: BridgeClient): CellActions {
  return {
    estop: (reason) => client.send(reason ? { op: 'estop', reason } : { op: 'estop' }),
    resetEstop: () => client.send({ op: 'estop.reset' }),
    takeControl: () => client.send({ op: 'lease.acquire' }),
    releaseControl: () => client.send({ op: 'lease.release' }),
    gripper: (position) => client.send({ op: 'teleop.gripper', position: Math.min(1, Math.max(0, position)) }),
  };
}
