/**
 * Forward kinematics from standard DH parameters: each joint's frame in the
 * base frame, as column-major 4×4 matrices (the layout three.js uses), and
 * the TCP pose as position + rotation vector (the UR pendant's convention).
 */
import type { DhModel } from './armModels.ts';

/** Column-major 4×4. */
export type Mat4 = Float64Array;

function identity(): Mat4 {
  const m = new Float64Array(16);
  m[0] = m[5] = m[10] = m[15] = 1;
  return m;
}

/** out = a · b (column-major). */
function multiply(a: Mat4, b: Mat4, out: Mat4): Mat4 {
  for (let c = 0; c < 4; c++) {
    for (let r = 0; r < 4; r++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += a[k * 4 + r] * b[c * 4 + k];
      out[c * 4 + r] = s;
    }
  }
  return out;
}

/** Rz(θ) · Tz(d) · Tx(a) · Rx(α). */
function dhTransform(theta: number, d: number, a: number, alpha: number): Mat4 {
  const ct = Math.cos(theta);
  const st = Math.sin(theta);
  const ca = Math.cos(alpha);
  const sa = Math.sin(alpha);
  const m = new Float64Array(16);
  // Columns: x, y, z axes, then origin.
  m[0] = ct;
  m[1] = st;
  m[4] = -st * ca;
  m[5] = ct * ca;
  m[6] = sa;
  m[8] = st * sa;
  m[9] = -ct * sa;
  m[10] = ca;
  m[12] = a * ct;
  m[13] = a * st;
  m[14] = d;
  m[15] = 1;
  return m;
}

/** Frames 0..n: the base (identity) then the frame after each joint; the last is the flange. */
export function jointFrames(model: DhModel, q: ArrayLike<number>): Mat4[] {
  const frames: Mat4[] = [identity()];
  for (let i = 0; i < model.a.length; i++) {
    const t = dhTransform(q[i] ?? 0, model.d[i], model.a[i], model.alpha[i]);
    frames.push(multiply(frames[i], t, new Float64Array(16)));
  }
  return frames;
}

export interface Pose {
  /** m, in the base frame. */
  position: [number, number, number];
  /** rad, axis × angle. */
  rotationVector: [number, number, number];
}

/** Axis-angle of the rotation part of a column-major 4×4. */
export function rotationVector(m: Mat4): [number, number, number] {
  const r00 = m[0], r10 = m[1], r20 = m[2];
  const r01 = m[4], r11 = m[5], r21 = m[6];
  const r02 = m[8], r12 = m[9], r22 = m[10];
  const cos = Math.min(1, Math.max(-1, (r00 + r11 + r22 - 1) / 2));
  const angle = Math.acos(cos);
  if (angle < 1e-9) return [0, 0, 0];
  if (Math.PI - angle < 1e-6) {
    // Near π the skew part vanishes: take the axis from the diagonal.
    const x = Math.sqrt(Math.max(0, (r00 + 1) / 2));
    const y = Math.sqrt(Math.max(0, (r11 + 1) / 2)) * (r01 + r10 >= 0 ? 1 : -1);
    const z = Math.sqrt(Math.max(0, (r22 + 1) / 2)) * (r02 + r20 >= 0 ? 1 : -1);
    const n = Math.hypot(x, y, z) || 1;
    return [(x / n) * angle, (y / n) * angle, (z / n) * angle];
  }
  const k = angle / (2 * Math.sin(angle));
  return [(r21 - r12) * k, (r02 - r20) * k, (r10 - r01) * k];
}

/** The tool point's pose: the flange frame moved by `toolOffset` (m, flange frame; the cell's TCP). */
export function tcpPose(model: DhModel, q: ArrayLike<number>, toolOffset: readonly number[] = [0, 0, 0]): Pose {
  const frames = jointFrames(model, q);
  const f = frames[frames.length - 1];
  const [ox, oy, oz] = toolOffset;
  // Column-major 4×4: the offset is rotated by the flange orientation, then added.
  const position: [number, number, number] = [
    f[12] + f[0] * ox + f[4] * oy + f[8] * oz,
    f[13] + f[1] * ox + f[5] * oy + f[9] * oz,
    f[14] + f[2] * ox + f[6] * oy + f[10] * oz,
  ];
  return { position, rotationVector: rotationVector(f) };
}
