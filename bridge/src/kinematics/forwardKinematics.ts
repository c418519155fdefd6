import type { ArmModel } from './armModels.ts';

/** A rigid pose: position in metres, rotation as a 3x3 row-major matrix. */
export interface Pose {
  position: [number, number, number];
  rotation: number[];
}

/** Frames 0..6 of the DH chain as 4x4 row-major matrices (frame 0 = identity). */
export function dhFrames(arm: ArmModel, q: ArrayLike<number>): Float64Array[] {
  const n = arm.dh.a.length;
  if (q.length < n) {
    throw new Error(`forwardKinematics: expected ${n} joint positions for ${arm.name}, found ${q.length}.`);
  }
  const frames: Float64Array[] = [identity4()];
  let T = frames[0];
  for (let i = 0; i < n; i++) {
    T = mul4(T, dhTransform(arm.dh.a[i], arm.dh.d[i], arm.dh.alpha[i], q[i]));
    frames.push(T);
  }
  return frames;
}

/**
 * Flange pose (frame 6, UR `tool0`) in the base frame, or, with `toolOffset`,
 * the pose of a tool point offset along the flange frame's axes (same rotation).
 */
export function forwardKinematics(arm: ArmModel, q: ArrayLike<number>, toolOffset?: [number, number, number]): Pose {
  const frames = dhFrames(arm, q);
  const T = frames[frames.length - 1];
  return poseOf(T, toolOffset);
}

export function poseOf(T: Float64Array, toolOffset?: [number, number, number]): Pose {
  const rotation = [T[0], T[1], T[2], T[4], T[5], T[6], T[8], T[9], T[10]];
  const position: [number, number, number] = [T[3], T[7], T[11]];
  if (toolOffset) {
    for (let r = 0; r < 3; r++) {
      position[r] += rotation[r * 3] * toolOffset[0] + rotation[r * 3 + 1] * toolOffset[1] + rotation[r * 3 + 2] * toolOffset[2];
    }
  }
  return { position, rotation };
}

/** Standard DH: Rz(theta) · Tz(d) · Tx(a) · Rx(alpha). */
function dhTransform(a: number, d: number, alpha: number, theta: number): Float64Array {
  const ct = Math.cos(theta);
  const st = Math.sin(theta);
  const ca = Math.cos(alpha);
  const sa = Math.sin(alpha);
  // prettier-ignore
  return Float64Array.of(
    ct, -st * ca, st * sa, a * ct,
    st, ct * ca, -ct * sa, a * st,
    0, sa, ca, d,
    0, 0, 0, 1,
  );
}

function identity4(): Float64Array {
  return Float64Array.of(1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1);
}

function mul4(A: Float64Array, B: Float64Array): Float64Array {
  const C = new Float64Array(16);
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 4; c++) {
      C[r * 4 + c] = A[r * 4] * B[c] + A[r * 4 + 1] * B[4 + c] + A[r * 4 + 2] * B[8 + c] + A[r * 4 + 3] * B[12 + c];
    }
  }
  return C;
}
