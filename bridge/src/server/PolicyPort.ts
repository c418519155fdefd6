/**
 * What the server needs from the policy runner: start/stop/resume a named
 * bundle, hand control to an operator who jogs (supervised), and the state
 * it broadcasts. A seam like `ControlPort` and `RecordingPort`: the server
 * never loads a model or commands the arm itself. `PolicyService`
 * (bridge/src/policy) implements it over `PolicyRunner`.
 */
import type { PolicyMessage } from '../protocol/ServerMessage.ts';

/** The `policy` message without its op. */
export type PolicyPortStatus = Omit<PolicyMessage, 'op'>;

export interface PolicyStartRequest {
  /** A bundle NAME under the policies folder (`POLICY_NAME_PATTERN`), never a path. */
  policy: string;
  mode: 'shadow' | 'supervised' | 'autonomous';
  speedScale: number;
  /** The client asking (it may hand its lease to the runner). */
  clientId: string;
}

export interface PolicyPort {
  /** Resolves once running. Rejects with `{ code, message, tip, problems? }` and nothing moves. */
  start(request: PolicyStartRequest): Promise<void>;
  stop(by: string): void;
  /** After a takeover ended. Throws `{ code, message, tip }`. */
  resume(clientId: string): void;
  /** An operator jogs or asks for the lease: in supervised mode control moves to them at once. True when it did. */
  takeover(clientId: string, by: string): boolean;
  status(): PolicyPortStatus;
  /** Running (or taken over / paused): the server broadcasts status at its rate. */
  readonly active: boolean;
  on(event: 'change', listener: (status: PolicyPortStatus) => void): () => void;
}
