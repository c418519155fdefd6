/**
 * Everything a person can ask of the cell from a panel, as plain calls.
 * Each returns false when the request could not even leave the screen
 * (no connection): the panel then tells the person so.
 */
import type { PolicyStartMessage, RecordStopMessage } from '@cellkit/bridge/protocol';
import type { BridgeClient } from '../data/BridgeClient.ts';

export interface CellActions {
  estop(reason?: string): boolean;
  resetEstop(): boolean;
  takeControl(): boolean;
  releaseControl(): boolean;
  /** 0 open … 1 closed. */
  gripper(position: number): boolean;
  /** Start an episode in `dataset` (created on first use). */
  recordStart(dataset: string, task: string): boolean;
  /** Stop the episode with its outcome (and notes, when any). */
  recordStop(outcome: RecordStopMessage['outcome'], notes?: string): boolean;
  policyStart(policy: string, mode: PolicyStartMessage['mode'], speedScale: number): boolean;
  policyStop(): boolean;
  /** After a supervised takeover: hand control back to the policy. */
  policyResume(): boolean;
}

export function clientActions(client: BridgeClient): CellActions {
  return {
    estop: (reason) => client.send(reason ? { op: 'estop', reason } : { op: 'estop' }),
    resetEstop: () => client.send({ op: 'estop.reset' }),
    takeControl: () => client.send({ op: 'lease.acquire' }),
    releaseControl: () => client.send({ op: 'lease.release' }),
    gripper: (position) => client.send({ op: 'teleop.gripper', position: Math.min(1, Math.max(0, position)) }),
    recordStart: (dataset, task) => client.send({ op: 'record.start', dataset, task }),
    recordStop: (outcome, notes) => client.send(notes ? { op: 'record.stop', outcome, notes } : { op: 'record.stop', outcome }),
    policyStart: (policy, mode, speedScale) => client.send({ op: 'policy.start', policy, mode, speedScale: Math.min(1, Math.max(0, speedScale)) }),
    policyStop: () => client.send({ op: 'policy.stop' }),
    policyResume: () => client.send({ op: 'policy.resume' }),
  };
}
