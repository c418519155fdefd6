import { describe, it, expect } from 'vitest';
import { UR3E, UR5E, UR10E, UR_JOINT_NAMES, forwardKinematics, jacobian, dampedLeastSquares, manipulability } from './index.ts';

function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Rotation R2·R1ᵀ as a small-angle axis vector. */
function rotationDelta(R1: number[], R2: number[]): number[] {
  const D = new Array<number>(9).fill(0);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) for (let k = 0; k < 3; k++) D[r * 3 + c] += R2[r * 3 + k] * R1[c * 3 + k];
  return [(D[7] - D[5]) / 2, (D[2] - D[6]) / 2, (D[3] - D[1]) / 2];
}

describe('UR arm models', () => {
  it('publish UR joint names, masses and speed limits', () => {
    expect(UR_JOINT_NAMES).toEqual(['shoulder_pan_joint', 'shoulder_lift_joint', 'elbow_joint', 'wrist_1_joint', 'wrist_2_joint', 'wrist_3_joint']);
    expect(UR5E.maxJointVelocity.every((v) => Math.abs(v - Math.PI) < 1e-12)).toBe(true);
    expect(UR10E.maxJointVelocity[0]).toBeCloseTo((120 * Math.PI) / 180, 12);
    expect(UR5E.linkMasses.reduce((a, b) => a + b, 0)).toBeCloseTo(17.7, 1);
    expect(UR5E.jointLimits[2]).toEqual({ lower: -Math.PI, upper: Math.PI });
    expect(UR3E.dh.d[0]).toBeCloseTo(0.15185, 6);
  });
});

describe('forwardKinematics', () => {
  it('puts the UR5e flange at (a2+a3, -(d4+d6), d1-d5) at q=0, tool axis along -y', () => {
    const { dh } = UR5E;
    const p = forwardKinematics(UR5E, [0, 0, 0, 0, 0, 0]);
    expect(p.position[0]).toBeCloseTo(dh.a[1] + dh.a[2], 9); // -0.8172
    expect(p.position[1]).toBeCloseTo(-(dh.d[3] + dh.d[5]), 9); // -0.2329
    expect(p.position[2]).toBeCloseTo(dh.d[0] - dh.d[4], 9); // 0.0628
    // Flange z axis (third column) points along base -y.
    expect([p.rotation[2], p.rotation[5], p.rotation[8]].map((v) => Math.round(v * 1e9) / 1e9 + 0)).toEqual([0, -1, 0]);
  });

  it('offsets a tool point along the flange frame', () => {
    const q = [0.3, -1.2, 1.4, -1.7, -1.57, 0.2];
    const f = forwardKinematics(UR5E, q);
    const t = forwardKinematics(UR5E, q, [0, 0, 0.2]);
    for (let r = 0; r < 3; r++) expect(t.position[r] - f.position[r]).toBeCloseTo(0.2 * f.rotation[r * 3 + 2], 12);
  });

  it('rejects a short joint vector with a clear message', () => {
    expect(() => forwardKinematics(UR5E, [0, 0, 0])).toThrow(/expected 6 joint positions/);
  });
});

describe('jacobian', () => {
  it('matches finite differences of forward kinematics (position and rotation)', () => {
    const rand = rng(7);
    for (const arm of [UR3E, UR5E, UR10E]) {
      for (let trial = 0; trial < 10; trial++) {
        const q = Array.from({ length: 6 }, () => (rand() * 2 - 1) * Math.PI);
        const tool: [number, number, number] = [0.01, -0.02, 0.15];
        const J = jacobian(arm, q, tool);
        const h = 1e-6;
        for (let j = 0; j < 6; j++) {
          const qp = q.slice();
          const qm = q.slice();
          qp[j] += h;
          qm[j] -= h;
          const fp = forwardKinematics(arm, qp, tool);
          const fm = forwardKinematics(arm, qm, tool);
          for (let r = 0; r < 3; r++) expect(J[r][j]).toBeCloseTo((fp.position[r] - fm.position[r]) / (2 * h), 6);
          const w = rotationDelta(fm.rotation, fp.rotation);
          for (let r = 0; r < 3; r++) expect(J[3 + r][j]).toBeCloseTo(w[r] / (2 * h), 6);
        }
      }
    }
  });
});

describe('dampedLeastSquares', () => {
  it('reproduces a twist exactly away from singularities', () => {
    const q = [0.2, -1.3, 1.6, -1.9, -1.57, 0.3];
    const J = jacobian(UR5E, q);
    expect(manipulability(J)).toBeGreaterThan(0.05);
    const twist = [0.1, -0.05, 0.02, 0.1, -0.2, 0.3];
    const qd = dampedLeastSquares(J, twist);
    for (let r = 0; r < 6; r++) {
      let s = 0;
      for (let j = 0; j < 6; j++) s += J[r][j] * qd[j];
      expect(s).toBeCloseTo(twist[r], 9);
    }
  });

  it('keeps joint speeds bounded and falling smoothly into a wrist singularity', () => {
    // wrist_2 → 0 aligns wrist_1 and wrist_3: a classic UR wrist singularity.
    const twist = [0, 0.1, 0, 0, 0, 0.1];
    const norms: number[] = [];
    for (const q5 of [0.3, 0.1, 0.03, 0.01, 0.003, 0]) {
      const J = jacobian(UR5E, [0, -1.3, 1.6, -1.9, q5, 0]);
      const qd = dampedLeastSquares(J, twist);
      const norm = Math.hypot(...qd);
      expect(Number.isFinite(norm)).toBe(true);
      norms.push(norm);
    }
    expect(manipulability(jacobian(UR5E, [0, -1.3, 1.6, -1.9, 0, 0]))).toBeLessThan(1e-6);
    // Undamped, the speed would diverge like 1/q5; damped it stays bounded (< 20 rad/s) and is lower at the singularity than on approach.
    expect(Math.max(...norms)).toBeLessThan(20);
    expect(norms[norms.length - 1]).toBeLessThan(Math.max(...norms));
  });

  it('rejects a twist of the wrong size', () => {
    expect(() => dampedLeastSquares(jacobian(UR5E, [0, -1, 1, -1, -1, 0]), [1, 2, 3])).toThrow(/expected a twist of 6/);
  });
});
