/** The policy runner's contract types: its view of the controller and cell, options, events. */
import type { CellDescription, CellEvents } from '../cell/Cell.ts';
import type { PolicyMessage } from '../protocol/ServerMessage.ts';
import type { OutputCommand } from '../safety/JointVelocityCommand.ts';
import type { SafetyEvent } from '../safety/SafetyEvent.ts';

export type PolicyMode = 'shadow' | 'supervised' | 'autonomous';
export type PolicyStatus = Omit<PolicyMessage, 'op'>;

/** The part of `CellController` the runner uses (a structural subset: the controller is passed as is). */
export interface PolicyControl {
  readonly leaseHolder: string | undefined;
  acquireLease(clientId: string): { accepted: boolean; code?: string; message?: string };
  releaseLease(clientId: string): { accepted: boolean; code?: string; message?: string };
  submitPolicy(clientId: string, velocities: number[], gripper?: number): { accepted: boolean; code?: string; message?: string };
  /** `toolOffset`: the TCP in the flange frame the safety layer uses (absent: the flange); checked against TCP-input policies on load. */
  status(): { estopped: boolean; limits: { deadmanTimeout: number }; toolOffset?: [number, number, number] };
  on(event: 'output', listener: (o: OutputCommand) => void): () => void;
  on(event: 'event', listener: (e: SafetyEvent) => void): () => void;
  on(event: 'lease', listener: (holder: string | undefined) => void): () => void;
}

/** Where supervised takeovers go: a recorder that opens an episode for the takeover segment. */
export interface InterventionSink {
  /** Called when an operator takes over; resolves with the episode it records into, if any. */
  begin(info: { policy: string; by: string; start: number }): Promise<{ dataset: string; episode: number } | undefined>;
  /** Called when the operator hands back (or the runner stops during a takeover). */
  end(info: { policy: string; by: string; start: number; end: number }): Promise<void>;
}

export interface PolicyRunnerOptions {
  cell: { description: Pick<CellDescription, 'jointNames'>; on<K extends keyof CellEvents>(event: K, listener: CellEvents[K]): () => void };
  control: PolicyControl;
  /** The runner's client id for the lease and the safety layer's log. Default `policy`. */
  clientId?: string;
  interventions?: InterventionSink;
  /** Monotonic wall clock in ms, for inference latency. Default `performance.now`. */
  wallClock?: () => number;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export interface PolicyStartOptions {
  mode: PolicyMode;
  /** (0, 1]: the policy's joint velocities are multiplied by it before the safety layer. */
  speedScale: number;
  /** The client who asked (lease hand-over and the log). */
  by?: string;
}

/** One step, as the `step` event carries it (cheap: no status copy per step). */
export interface PolicyStep {
  index: number;
  /** Cell clock, s. */
  time: number;
  /** ms, observation + inference (wall clock). */
  latencyMs: number;
  predicted: number[];
  /** Absent in shadow mode. */
  commanded?: { velocities: number[]; gripper?: number };
}

export interface PolicyRunnerEvents {
  /** State, stop or intervention changed. */
  change: (status: PolicyStatus) => void;
  /** One policy step ran. */
  step: (step: PolicyStep) => void;
}
