import { describe, expect, it } from 'vitest';
import { UR10E, UR5E } from '../kinematics/index.ts';
import { brakingTime, defaultSafetyLimits, resolveSafetyLimits, safetyModeName } from './SafetyLimits.ts';

describe('SafetyLimits', () => {
  it('defaults for the UR5e are the documented ones', () => {
    const l = resolveSafetyLimits(UR5E);
    expect(l).toMatchObject({ jointPositionMargin: 0.1, maxTcpSpeed: 0.25, maxForce: 80, deadmanTimeout: 0.1, publishRate: 125, allowedSafetyModes: [1] });
    expect(l.maxJointVelocity).toEqual([1, 1, 1, 1, 1, 1]); // rated 3.14 rad/s, capped for teleop
    expect(l.maxJointAcceleration).toEqual([4, 4, 4, 8, 8, 8]);
    expect(brakingTime(l)).toBe(0.25);
    // The default box is inside the reach and above the mounting plane.
    expect(l.workspace.min[2]).toBeGreaterThan(0);
    expect(l.workspace.max[0]).toBeLessThan(0.85);
  });

  it('never caps an arm above its own rating', () => {
    const l = defaultSafetyLimits(UR10E);
    l.maxJointVelocity.forEach((v, i) => expect(v).toBeLessThanOrEqual(UR10E.maxJointVelocity[i]));
  });

  it('applies overrides and copies arrays away from the caller', () => {
    const ws = { min: [-1, -1, 0] as [number, number, number], max: [1, 1, 1] as [number, number, number] };
    const l = resolveSafetyLimits(UR5E, { maxTcpSpeed: 0.1, workspace: ws, publishRate: 500 });
    ws.max[0] = 99;
    expect(l.maxTcpSpeed).toBe(0.1);
    expect(l.workspace.max[0]).toBe(1);
    expect(l.publishRate).toBe(500);
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['unknown field', { maxSpeed: 1 }, /unknown field "maxSpeed"/],
    ['joint speed above the rating', { maxJointVelocity: [4, 1, 1, 1, 1, 1] }, /maxJointVelocity\[0\] expected at most the ur5e rating 3.142, found 4/],
    ['wrong number of joints', { maxJointVelocity: [1, 1, 1] }, /expected 6 values/],
    ['zero acceleration', { maxJointAcceleration: [4, 4, 0, 8, 8, 8] }, /maxJointAcceleration\[2\] expected a finite number > 0, found 0/],
    ['publish rate over 500 Hz', { publishRate: 1000 }, /publishRate expected at most 500 Hz, found 1000/],
    ['deadman shorter than a tick', { deadmanTimeout: 0.005 }, /deadmanTimeout expected more than one publish period/],
    ['empty workspace axis', { workspace: { min: [0, 0, 0], max: [1, 0, 1] } }, /workspace axis y expected finite min < max/],
    ['NaN TCP speed', { maxTcpSpeed: NaN }, /maxTcpSpeed expected a finite number > 0/],
    ['margin inside the stop margin', { jointPositionMargin: 0.005 }, /jointPositionMargin expected more than jointStopMargin/],
    ['moving in a protective stop', { allowedSafetyModes: [1, 3] }, /allowedSafetyModes expected only NORMAL/],
    ['release ratio of 1', { forceReleaseRatio: 1 }, /forceReleaseRatio expected a number in \(0, 1\)/],
    ['backing off faster than 50 mm/s', { forceRecoverySpeed: 0.06 }, /forceRecoverySpeed expected a number in \[0, 0.05\] m\/s/],
    ['backing off faster than maxTcpSpeed', { maxTcpSpeed: 0.01, forceRecoverySpeed: 0.02 }, /forceRecoverySpeed expected a number in \[0, 0.01\] m\/s/],
    ['no rise allowed', { forceRecoveryRise: 0 }, /forceRecoveryRise/],
  ];
  for (const [name, overrides, message] of bad) {
    it(`rejects ${name}`, () => {
      expect(() => resolveSafetyLimits(UR5E, overrides)).toThrow(message);
    });
  }

  it('names UR safety modes for messages', () => {
    expect(safetyModeName(3)).toBe('PROTECTIVE_STOP');
    expect(safetyModeName(42)).toBe('UNKNOWN(42)');
  });
});
