import { describe, expect, it } from 'vitest';
import { armModel } from './armModels.ts';
import { jointFrames, rotationVector, tcpPose } from './forwardKinematics.ts';

const ur5e = armModel('ur5e')!;

describe('forward kinematics', () => {
  it('puts the UR5e flange where the datasheet geometry says at zero joints', () => {
    // Zero pose: arm stretched along -x; y = -(d4 + d6); z = d1 - d5.
    const p = tcpPose(ur5e, [0, 0, 0, 0, 0, 0]).position;
    expect(p[0]).toBeCloseTo(-0.425 - 0.3922, 9);
    expect(p[1]).toBeCloseTo(-(0.1333 + 0.0996), 9);
    expect(p[2]).toBeCloseTo(0.1625 - 0.0997, 9);
  });

  it('rotates the whole arm about z with the base joint', () => {
    const a = tcpPose(ur5e, [0, -1, 1.2, -0.4, 0.3, 0.2]).position;
    const b = tcpPose(ur5e, [Math.PI / 2, -1, 1.2, -0.4, 0.3, 0.2]).position;
    expect(b[0]).toBeCloseTo(-a[1], 9);
    expect(b[1]).toBeCloseTo(a[0], 9);
    expect(b[2]).toBeCloseTo(a[2], 9);
  });

  it('keeps every frame a rigid transform', () => {
    const frames = jointFrames(ur5e, [0.3, -1.1, 1.4, -0.5, 1.2, 0.7]);
    expect(frames).toHaveLength(7);
    for (const f of frames) {
      for (let c = 0; c < 3; c++) expect(Math.hypot(f[c * 4], f[c * 4 + 1], f[c * 4 + 2])).toBeCloseTo(1, 12);
    }
  });

  it('turns rotations into axis × angle', () => {
    const rz = (t: number) => Float64Array.from([Math.cos(t), Math.sin(t), 0, 0, -Math.sin(t), Math.cos(t), 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
    expect(rotationVector(rz(0))).toEqual([0, 0, 0]);
    const v = rotationVector(rz(0.7));
    expect(v[0]).toBeCloseTo(0, 12);
    expect(v[2]).toBeCloseTo(0.7, 12);
    const pi = rotationVector(rz(Math.PI));
    expect(Math.abs(pi[2])).toBeCloseTo(Math.PI, 6);
  });

  it('knows no model for an arm it was not given', () => {
    expect(armModel('mystery-arm')).toBeUndefined();
  });
});
