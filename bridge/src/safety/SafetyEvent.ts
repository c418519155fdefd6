/**
 * What the safety layer reports. Faults are data (STYLE.md): every clamp,
 * refusal and stop becomes one of these, carrying the numbers, so the UI and
 * the episode log can show a person exactly what happened and why.
 */
export type SafetyEventKind = 'clamp' | 'refusal' | 'estop' | 'estop_reset' | 'deadman' | 'gate' | 'force_stop';

export interface SafetyEvent {
  /** s, the layer's clock (the `now` of the latest tick). */
  time: number;
  kind: SafetyEventKind;
  /** Stable machine-readable reason, e.g. `joint_velocity`, `not_lease_holder`, `connection_stale`. */
  code: string;
  /** For a person: what was expected, what was found, what to do. */
  message: string;
  /** Joint index (0-based) when the event concerns one joint. */
  joint?: number;
  /** The requested value (rad/s, m/s, N … as the code implies). */
  requested?: number;
  /** The value allowed instead. */
  allowed?: number;
  /** Occurrences of this kind+code dropped by rate limiting since the previous event with the same key. */
  suppressed?: number;
}

/** Clamp codes (kind `clamp`). */
export const CLAMP = {
  jointVelocity: 'joint_velocity',
  jointPositionMargin: 'joint_position_margin',
  jointAcceleration: 'joint_acceleration',
  tcpSpeed: 'tcp_speed',
  workspace: 'workspace',
  braking: 'braking',
  immediateStop: 'immediate_stop',
  gripperRange: 'gripper_range',
} as const;

/** Refusal codes (kind `refusal`, returned by `submit`). */
export const REFUSAL = {
  malformed: 'malformed',
  estopped: 'estopped',
  noLease: 'no_lease',
  notLeaseHolder: 'not_lease_holder',
  gateClosed: 'gate_closed',
  stale: 'stale_command',
  future: 'stamp_in_future',
  badCaller: 'bad_caller',
} as const;
