import type { ArmModel } from './armModels.ts';
import { dhFrames } from './forwardKinematics.ts';

/**
 * Geometric Jacobian of the flange (or the tool point `toolOffset`, given in
 * the flange frame) in the base frame: 6 rows [vx, vy, vz, wx, wy, wz], one
 * column per joint. Joint i turns about z of DH frame i-1.
 */
export function jacobian(arm: ArmModel, q: ArrayLike<number>, toolOffset?: [number, number, number]): number[][] {
  const frames = dhFrames(arm, q);
  const n = frames.length - 1;
  const E = frames[n];
  const p = [E[3], E[7], E[11]];
  if (toolOffset) {
    for (let r = 0; r < 3; r++) p[r] += E[r * 4] * toolOffset[0] + E[r * 4 + 1] * toolOffset[1] + E[r * 4 + 2] * toolOffset[2];
  }
  const J: number[][] = Array.from({ length: 6 }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    const F = frames[i];
    const z = [F[2], F[6], F[10]];
    const r = [p[0] - F[3], p[1] - F[7], p[2] - F[11]];
    J[0][i] = z[1] * r[2] - z[2] * r[1];
    J[1][i] = z[2] * r[0] - z[0] * r[2];
    J[2][i] = z[0] * r[1] - z[1] * r[0];
    J[3][i] = z[0];
    J[4][i] = z[1];
    J[5][i] = z[2];
  }
  return J;
}
