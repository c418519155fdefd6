/** The world as the safety layer sees it on one tick. All times on the bridge's clock, in seconds. */
export interface SafetyInputs {
  /** s, now. Must never go backwards. */
  now: number;
  /** rad, measured. */
  jointPositions: number[];
  /** rad/s, measured. */
  jointVelocities: number[];
  /** s, when the joint state was measured. */
  jointStateStamp: number;
  /** Measured wrench at the tool (N, N·m). Absent if the cell has no F/T sensor: the force rule is then inactive. */
  wrench?: { force: [number, number, number]; torque: [number, number, number] };
  /** UR SafetyMode (1 NORMAL, 2 REDUCED, 3 PROTECTIVE_STOP, …). */
  safetyMode: number;
  /** Whether the robot connection is up. */
  connected: boolean;
  /** Client id holding the control lease; absent when nobody does. */
  leaseHolder?: string;
}

/**
 * Why `inputs` cannot be trusted, or undefined. Anything non-finite or the
 * wrong shape closes the `inputs` gate: the layer never computes from NaN.
 */
export function inputsProblem(inputs: SafetyInputs, joints: number, lastNow: number | undefined): string | undefined {
  if (typeof inputs !== 'object' || inputs === null) return `expected an inputs object, found ${String(inputs)}`;
  if (!isFiniteNumber(inputs.now)) return `expected a finite now, found ${String(inputs.now)}`;
  if (lastNow !== undefined && inputs.now < lastNow) {
    return `clock went backwards: previous tick at ${lastNow} s, now ${inputs.now} s`;
  }
  const vec = (name: string, v: unknown, len: number): string | undefined => {
    if (!Array.isArray(v) || v.length !== len) {
      return `expected ${name} to hold ${len} numbers, found ${Array.isArray(v) ? `${v.length}` : typeof v}`;
    }
    const bad = v.findIndex((x) => !isFiniteNumber(x));
    return bad >= 0 ? `expected finite ${name}, found ${String(v[bad])} at index ${bad}` : undefined;
  };
  const problem =
    vec('jointPositions', inputs.jointPositions, joints) ??
    vec('jointVelocities', inputs.jointVelocities, joints) ??
    (inputs.wrench === undefined
      ? undefined
      : vec('wrench.force', inputs.wrench?.force, 3) ?? vec('wrench.torque', inputs.wrench?.torque, 3));
  if (problem) return problem;
  if (!isFiniteNumber(inputs.jointStateStamp)) return `expected a finite jointStateStamp, found ${String(inputs.jointStateStamp)}`;
  if (!Number.isInteger(inputs.safetyMode)) return `expected an integer safetyMode, found ${String(inputs.safetyMode)}`;
  if (typeof inputs.connected !== 'boolean') return `expected connected to be a boolean, found ${typeof inputs.connected}`;
  if (inputs.leaseHolder !== undefined && typeof inputs.leaseHolder !== 'string') {
    return `expected leaseHolder to be a string or absent, found ${typeof inputs.leaseHolder}`;
  }
  return undefined;
}

function isFiniteNumber(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}
