/**
 * What the server needs from the control layer (the controller with its
 * lease, safety layer and control loop). The server never moves the robot
 * itself: every jog, lease and e-stop goes through this port, which is the
 * authority on whether it is accepted. The server only pre-checks roles and
 * the lease so it can answer with a clear code without a round trip.
 */
import type { ConnectionHealth } from '../cell/Cell.ts';
import type { GateStatus, TeleopLimits } from '../protocol/ServerMessage.ts';
import type { OutputCommand } from '../safety/JointVelocityCommand.ts';
import type { SafetyEvent } from '../safety/SafetyEvent.ts';

/** The answer to every control request; `code` and `message` say why when refused. */
export interface ControlResult {
  accepted: boolean;
  code?: string;
  message?: string;
}

export interface Twist {
  /** m/s. */
  linear: [number, number, number];
  /** rad/s. */
  angular: [number, number, number];
  frame: 'base' | 'tool';
}

export interface ControlStatus {
  estopped: boolean;
  gates: GateStatus[];
  leaseHolder: string | null;
  lastOutput: OutputCommand | null;
  /** UR SafetyMode numbering; null before the first status from the cell. */
  safetyMode: number | null;
  health: ConnectionHealth;
}

export interface ControlEvents {
  /** The command actually sent to the robot, once per control tick. */
  output: (o: OutputCommand) => void;
  /** A clamp, refusal, stop or reset. */
  event: (e: SafetyEvent) => void;
  /** The lease holder changed (null: free). */
  lease: (holder: string | null) => void;
}

export interface ControlPort {
  /** Limits the UI needs for its sliders and jog pacing. */
  readonly limits: TeleopLimits;
  readonly leaseHolder: string | null;
  acquireLease(clientId: string): ControlResult;
  releaseLease(clientId: string): ControlResult;
  /** rad/s per joint, `description.jointNames` order. */
  jogJoints(clientId: string, velocities: number[]): ControlResult;
  jogTwist(clientId: string, twist: Twist): ControlResult;
  /** 0 open … 1 closed. */
  setGripper(clientId: string, position: number): ControlResult;
  /** `by` names a person for the event log (`<clientName> [<clientId>]`). */
  estop(by: string, reason: string): ControlResult;
  resetEstop(by: string): ControlResult;
  status(): ControlStatus;
  on<K extends keyof ControlEvents>(event: K, listener: ControlEvents[K]): () => void;
}
