import { describe, expect, it } from 'vitest';
import { UR5E, dampedLeastSquares, forwardKinematics, jacobian } from '../kinematics/index.ts';
import { capScale, limitVelocity, linear, type LimitContext } from './limitVelocity.ts';
import { brakingTime, resolveSafetyLimits, type SafetyLimits } from './SafetyLimits.ts';

const HOME = [0, -Math.PI / 2, Math.PI / 2, -Math.PI / 2, -Math.PI / 2, 0];
const DT = 1 / 125;
/** A step long enough that the acceleration limit never binds: isolates the other limits. */
const NO_RAMP = 1;
const HUGE_BOX: SafetyLimits['workspace'] = { min: [-5, -5, -5], max: [5, 5, 5] };

function ctxAt(q: number[], limits: Partial<SafetyLimits> = {}): LimitContext {
  const L = resolveSafetyLimits(UR5E, { workspace: HUGE_BOX, ...limits });
  return {
    limits: L,
    jointLimits: UR5E.jointLimits,
    q,
    tcp: forwardKinematics(UR5E, q).position,
    J: jacobian(UR5E, q),
    tau: brakingTime(L),
    period: 1 / L.publishRate,
  };
}

/** A box whose +x wall is `gap` metres from the TCP at q (negative: the TCP is outside). */
function wallCtx(q: number[], gap: number): LimitContext {
  const p = forwardKinematics(UR5E, q).position;
  return ctxAt(q, { workspace: { min: [p[0] - 0.3, p[1] - 0.3, p[2] - 0.3], max: [p[0] + gap, p[1] + 0.3, p[2] + 0.3] } });
}

const twist = (ctx: LimitContext, vx: number, vy: number, vz: number) => dampedLeastSquares(ctx.J, [vx, vy, vz, 0, 0, 0]);
const codes = (r: { reports: { code: string }[] }) => r.reports.map((x) => x.code);

describe('limitVelocity', () => {
  it('passes a command within every limit unchanged', () => {
    const v = [0.05, -0.02, 0.03, 0.1, -0.1, 0.2];
    const r = limitVelocity(v, v, DT, ctxAt(HOME));
    expect(r.velocities).toEqual(v);
    expect(r.reports).toEqual([]);
  });

  it('scales the whole vector for joint speed, preserving direction', () => {
    // Wrist joints: little TCP motion, so only the joint speed limit binds.
    const v = [0, 0, 0, 0, 0.2, 3];
    const r = limitVelocity(v, [0, 0, 0, 0, 0, 0], NO_RAMP, ctxAt(HOME));
    expect(Math.abs(r.velocities[5])).toBeLessThanOrEqual(1);
    expect(r.velocities[5]).toBeGreaterThan(0.95);
    expect(r.velocities[4] / r.velocities[5]).toBeCloseTo(0.2 / 3, 12);
    expect(r.reports[0]).toMatchObject({ code: 'joint_velocity', joint: 5, requested: 3, allowed: 1 });
  });

  it('ramps along a straight line in joint space at the acceleration limit', () => {
    const v = [0.3, 0, 0, 0, 0.3, 0.3];
    const r = limitVelocity(v, [0, 0, 0, 0, 0, 0], DT, ctxAt(HOME));
    // Base joint: 4 rad/s² × 8 ms = 0.032 rad/s; the faster wrists follow the same line.
    for (const i of [0, 4, 5]) expect(r.velocities[i]).toBeCloseTo(0.032, 12);
    expect(codes(r)).toContain('joint_acceleration');
  });

  it('scales velocity toward a joint limit linearly over the margin; away is untouched', () => {
    const q = HOME.slice();
    q[5] = UR5E.jointLimits[5].upper - 0.05; // 0.04 rad beyond the 0.01 stop margin, margin 0.1
    const toward = limitVelocity([0, 0, 0, 0, 0, 0.1], [0, 0, 0, 0, 0, 0.1], NO_RAMP, ctxAt(q));
    expect(toward.velocities[5]).toBeCloseTo((0.1 * 0.04) / 0.09, 12);
    expect(toward.reports[0]).toMatchObject({ code: 'joint_position_margin', joint: 5 });
    const away = limitVelocity([0, 0, 0, 0, 0, -0.1], [0, 0, 0, 0, 0, -0.1], NO_RAMP, ctxAt(q));
    expect(away.velocities[5]).toBe(-0.1);
  });

  it('stops motion toward a joint limit inside the stop margin, and allows leaving it', () => {
    const q = HOME.slice();
    q[2] = UR5E.jointLimits[2].lower + 0.005;
    expect(limitVelocity([0, 0, -0.2, 0, 0, 0], [0, 0, 0, 0, 0, 0], NO_RAMP, ctxAt(q)).velocities[2]).toBe(0);
    expect(limitVelocity([0, 0, 0.05, 0, 0, 0], [0, 0, 0.05, 0, 0, 0], NO_RAMP, ctxAt(q)).velocities[2]).toBe(0.05);
  });

  it('slows a fast joint before the margin so it can brake at its acceleration limit', () => {
    const q = HOME.slice();
    q[5] = UR5E.jointLimits[5].upper - 0.2; // outside the 0.1 margin
    const r = limitVelocity([0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0], NO_RAMP, ctxAt(q));
    // Braking cap: 98% of (0.2 − 0.01) rad / tau (0.25 s = 1 rad/s ÷ 4 rad/s²).
    expect(r.velocities[5]).toBeCloseTo((0.98 * 0.19) / 0.25, 9);
  });

  it('scales the whole command to the TCP speed limit, preserving direction', () => {
    const ctx = ctxAt(HOME);
    const v = [1, 0, 0, 0, 0, 0]; // base at 1 rad/s: the TCP (~0.5 m out) would move ~0.5 m/s
    const before = Math.hypot(...linear(ctx.J, v));
    expect(before).toBeGreaterThan(0.4);
    const r = limitVelocity(v, [0, 0, 0, 0, 0, 0], NO_RAMP, ctx);
    const after = Math.hypot(...linear(ctx.J, r.velocities));
    expect(after).toBeLessThanOrEqual(0.25);
    expect(after).toBeGreaterThan(0.24);
    expect(r.velocities.slice(1)).toEqual([0, 0, 0, 0, 0]);
    expect(r.reports.find((x) => x.code === 'tcp_speed')?.requested).toBeCloseTo(before, 9);
  });

  it('removes the outward TCP velocity at a workspace wall and keeps sliding along it', () => {
    const ctx = wallCtx(HOME, 0.001);
    const into = limitVelocity(twist(ctx, 0.1, 0, 0), [0, 0, 0, 0, 0, 0], NO_RAMP, ctx);
    expect(linear(ctx.J, into.velocities)[0]).toBeLessThanOrEqual(0);
    expect(codes(into)).toContain('workspace');
    const slide = limitVelocity(twist(ctx, 0.1, 0.1, 0), [0, 0, 0, 0, 0, 0], NO_RAMP, ctx);
    const u = linear(ctx.J, slide.velocities);
    expect(u[0]).toBeLessThanOrEqual(0);
    expect(u[1]).toBeGreaterThan(0.095);
  });

  it('outside the box: no further outward motion, moving back in is allowed', () => {
    const ctx = wallCtx(HOME, -0.01);
    const out = limitVelocity(twist(ctx, 0.1, 0, 0), [0, 0, 0, 0, 0, 0], NO_RAMP, ctx);
    expect(linear(ctx.J, out.velocities)[0]).toBeLessThanOrEqual(1e-12);
    const back = limitVelocity(twist(ctx, -0.1, 0, 0), [0, 0, 0, 0, 0, 0], NO_RAMP, ctx);
    expect(linear(ctx.J, back.velocities)[0]).toBeCloseTo(-0.1, 6);
  });

  it('brakes harder than commanded, within the acceleration limit, when the wall is near', () => {
    const ctx = wallCtx(HOME, 0.03);
    const prev = twist(ctx, 0.245, 0, 0); // arriving at full speed, 30 mm from the wall
    const r = limitVelocity(prev, prev, DT, ctx);
    expect(codes(r)).toContain('braking');
    expect(linear(ctx.J, r.velocities)[0]).toBeLessThan(0.245);
    const accel = [4, 4, 4, 8, 8, 8];
    r.velocities.forEach((x, i) => expect(Math.abs(x - prev[i])).toBeLessThanOrEqual(accel[i] * DT * (1 + 1e-9)));
  });

  it('stops at once when even the hardest braking would cross the wall next step', () => {
    const ctx = wallCtx(HOME, 0.0005);
    const prev = twist(ctx, 0.245, 0, 0);
    const r = limitVelocity(prev, prev, DT, ctx);
    expect(r.velocities).toEqual([0, 0, 0, 0, 0, 0]);
    expect(codes(r)).toContain('immediate_stop');
  });

  it('capScale: zero velocity fits every cap', () => {
    expect(capScale([0, 0, 0, 0, 0, 0], wallCtx(HOME, -0.1), 'hard')).toEqual({ scale: 1, binding: [] });
  });
});
