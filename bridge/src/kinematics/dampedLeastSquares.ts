/**
 * Yoshikawa manipulability sqrt(det(J Jᵀ)). Zero at a singularity; for the
 * UR5e it is ~0.02–0.1 over the usual table-top workspace (mixed units:
 * the translational rows are in metres).
 */
export function manipulability(J: number[][]): number {
  const A = multiplyAAt(J);
  const det = determinant(A);
  return Math.sqrt(Math.max(0, det));
}

export interface DampedLeastSquaresOptions {
  /** Largest damping factor λ, applied at a singularity (default 0.05). */
  damping?: number;
  /**
   * Manipulability below which damping starts (default 0.01). Above it the
   * solution is the exact pseudo-inverse; below it λ grows as
   * λmax·(1 − w/w0)², so joint speeds stay bounded and fall smoothly.
   */
  threshold?: number;
}

/**
 * Joint velocities q̇ = Jᵀ (J Jᵀ + λ² I)⁻¹ · twist (Nakamura & Hanafusa,
 * manipulability-scheduled damping). `twist` is [vx, vy, vz, wx, wy, wz]
 * in the same frame as J.
 */
export function dampedLeastSquares(J: number[][], twist: number[], opts: DampedLeastSquaresOptions = {}): number[] {
  const m = J.length;
  if (twist.length !== m) {
    throw new Error(`dampedLeastSquares: expected a twist of ${m} values, found ${twist.length}.`);
  }
  const lambdaMax = opts.damping ?? 0.05;
  const w0 = opts.threshold ?? 0.01;
  const A = multiplyAAt(J);
  const w = Math.sqrt(Math.max(0, determinant(A)));
  const lambda = w < w0 ? lambdaMax * (1 - w / w0) ** 2 : 0;
  for (let i = 0; i < m; i++) A[i][i] += lambda * lambda;
  const y = solve(A, twist);
  const n = J[0].length;
  const qd = new Array<number>(n).fill(0);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < m; i++) s += J[i][j] * y[i];
    qd[j] = s;
  }
  return qd;
}

function multiplyAAt(J: number[][]): number[][] {
  const m = J.length;
  const n = J[0].length;
  const A: number[][] = Array.from({ length: m }, () => new Array<number>(m).fill(0));
  for (let i = 0; i < m; i++) {
    for (let k = i; k < m; k++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += J[i][j] * J[k][j];
      A[i][k] = s;
      A[k][i] = s;
    }
  }
  return A;
}

/** Determinant by LU with partial pivoting (copies A). */
function determinant(A0: number[][]): number {
  const A = A0.map((r) => r.slice());
  const n = A.length;
  let det = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r][c]) > Math.abs(A[p][c])) p = r;
    if (A[p][c] === 0) return 0;
    if (p !== c) {
      [A[p], A[c]] = [A[c], A[p]];
      det = -det;
    }
    det *= A[c][c];
    for (let r = c + 1; r < n; r++) {
      const f = A[r][c] / A[c][c];
      for (let k = c; k < n; k++) A[r][k] -= f * A[c][k];
    }
  }
  return det;
}

/** Solve A x = b by Gaussian elimination with partial pivoting (copies A). Singular pivots give 0. */
function solve(A0: number[][], b0: number[]): number[] {
  const A = A0.map((r) => r.slice());
  const b = b0.slice();
  const n = A.length;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r][c]) > Math.abs(A[p][c])) p = r;
    [A[p], A[c]] = [A[c], A[p]];
    [b[p], b[c]] = [b[c], b[p]];
    if (Math.abs(A[c][c]) < 1e-300) continue;
    for (let r = c + 1; r < n; r++) {
      const f = A[r][c] / A[c][c];
      if (f === 0) continue;
      for (let k = c; k < n; k++) A[r][k] -= f * A[c][k];
      b[r] -= f * b[c];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r];
    for (let k = r + 1; k < n; k++) s -= A[r][k] * x[k];
    x[r] = Math.abs(A[r][r]) < 1e-300 ? 0 : s / A[r][r];
  }
  return x;
}
