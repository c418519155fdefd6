/**
 * What the server needs from the control layer (the controller with its
 * lease, safety layer and control loop). The server never moves the robot
 * itself: every jog, lease and e-stop goes through this port, which is the
 * authority on whether it is accepted. The server only pre-checks roles and
 * the lease so it can answer with a clear code without a round trip.
 *
 * A structural subset of `CellController` (bridge/src/control): the
 * controller is passed as is (ControlPort.test.ts checks that it fits).
 */
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
  /** Who pressed it, why, when (s), while latched. */
  estop?: { by: string; reason?: string; time: number };
  /** Gate name → open. */
  gates: Record<string, boolean>;
  /** `moving`, `deadman`, `no_command` or `gated`. */
  motion?: string;
  leaseHolder?: string;
  /** The command actually sent on the latest tick. */
  lastOutput?: OutputCommand;
  /** UR SafetyMode numbering. */
  safetyMode?: number;
  /** 0..1. */
  speedScaling?: number;
  /** The safety limits in force; the UI gets the teleop ones in `welcome.limits.teleop`. */
  limits: {
    maxJointVelocity: number[];
    maxTcpSpeed: number;
    deadmanTimeout: number;
    workspace: { min: [number, number, number]; max: [number, number, number] };
  };
  /** m, the tool point in the flange frame (absent: the flange). */
  toolOffset?: [number, number, number];
}

export interface ControlEvents {
  /** The command actually sent to the robot, once per control tick. */
  output: (o: OutputCommand) => void;
  /** A clamp, refusal, stop or reset. */
  event: (e: SafetyEvent) => void;
  /** The lease holder changed (undefined: free). */
  lease: (holder: string | undefined) => void;
}

export interface ControlPort {
  /** The client id holding the control lease, undefined when free. */
  readonly leaseHolder: string | undefined;
  acquireLease(clientId: string): ControlResult;
  releaseLease(clientId: string): ControlResult;
  /** rad/s per joint, `description.jointNames` order. */
  jogJoints(clientId: string, velocities: number[]): ControlResult;
  jogTwist(clientId: string, twist: Twist): ControlResult;
  /** 0 open … 1 closed. */
  setGripper(clientId: string, position: number): ControlResult;
  /** `by` names a person for the event log (`<clientName> [<clientId>]`). */
  estop(by: string, reason?: string): ControlResult;
  resetEstop(by: string): ControlResult;
  status(): ControlStatus;
  on<K extends keyof ControlEvents>(event: K, listener: ControlEvents[K]): () => void;
}
