import { describe, expect, it } from 'vitest';
import { TemporalEnsembler } from './TemporalEnsembler.ts';

describe('TemporalEnsembler', () => {
  it('averages all chunks covering the step with weights exp(−m·i), oldest first', () => {
    const m = 0.5;
    const e = new TemporalEnsembler({ horizon: 3, actionDim: 1, m });
    expect(Array.from(e.push([1, 2, 3]))).toEqual([1]);
    // Step 1: chunk0 says 2 (weight 1), chunk1 says 10 (weight e^−0.5).
    const w1 = Math.exp(-m);
    expect(e.push([10, 20, 30])[0]).toBeCloseTo((2 + 10 * w1) / (1 + w1), 5);
    // Step 2: chunk0 → 3, chunk1 → 20, chunk2 → 100.
    const w2 = Math.exp(-2 * m);
    expect(e.push([100, 200, 300])[0]).toBeCloseTo((3 + 20 * w1 + 100 * w2) / (1 + w1 + w2), 4);
    // Step 3: chunk0 has expired.
    expect(e.push([7, 7, 7])[0]).toBeCloseTo((30 + 200 * w1 + 7 * w2) / (1 + w1 + w2), 4);
  });

  it('a negative m favours the newest prediction; a non-finite m is refused', () => {
    const e = new TemporalEnsembler({ horizon: 3, actionDim: 1, m: -3 });
    e.push([0, 0, 0]);
    const out = e.push([10, 10, 10])[0];
    expect(out).toBeCloseTo(10 * Math.exp(3) / (1 + Math.exp(3)), 4);
    expect(out).toBeGreaterThan(9);
    expect(() => new TemporalEnsembler({ horizon: 3, actionDim: 1, m: Number.NaN })).toThrow(/expected a finite m, found NaN/);
  });

  it('reset forgets history; wrong chunk sizes are rejected', () => {
    const e = new TemporalEnsembler({ horizon: 2, actionDim: 2 });
    e.push([1, 1, 2, 2]);
    e.reset();
    expect(Array.from(e.push([5, 6, 7, 8]))).toEqual([5, 6]);
    expect(() => e.push([1, 2, 3])).toThrow(/expected a chunk of 2×2=4 values, found 3/);
  });

  it('track: where the chunks say the tool is now — each anchor plus its velocities since, weighted like the actions', () => {
    const m = 0.5;
    const dt = 0.1;
    const e = new TemporalEnsembler({ horizon: 3, actionDim: 2, m, track: { columns: [0], dt } });
    // Column 0 is a velocity (m/s), column 1 something else (the gripper).
    e.push([1, 0, 2, 0, 3, 0], [10]);
    expect(Array.from(e.target()!)).toEqual([10]);
    e.push([5, 1, 6, 1, 7, 1], [10.5]);
    // Chunk 0 (weight 1): 10 + 1·dt; chunk 1 (weight e^−m): its anchor 10.5.
    const w1 = Math.exp(-m);
    expect(e.target()![0]).toBeCloseTo((10 + 1 * dt + w1 * 10.5) / (1 + w1), 10);
    e.push([0, 0, 0, 0, 0, 0], [11]);
    const w2 = Math.exp(-2 * m);
    expect(e.target()![0]).toBeCloseTo((10 + (1 + 2) * dt + w1 * (10.5 + 5 * dt) + w2 * 11) / (1 + w1 + w2), 10);
    // At a speed scale the plan is what the velocities move when scaled.
    expect(e.target(0.5)![0]).toBeCloseTo((10 + 0.5 * (1 + 2) * dt + w1 * (10.5 + 0.5 * 5 * dt) + w2 * 11) / (1 + w1 + w2), 10);
    e.reset();
    expect(e.target()).toBeNull();
  });

  it('track: where the arm does not follow a "down, then close and creep up" plan, the velocities cancel but the target lies down the plan', () => {
    // 20 steps at 20 Hz (cm/s, as a traced pick_place policy predicted while hovering 1.6 cm above the grasp): down
    // at 8 cm/s slowing to a stop, then creeping up while the gripper closes. Every chunk is this same plan.
    const H = 20;
    const plan = [-8, -7, -6, -5, -3.7, -2.5, -1.2, 0, 1.6, 1.6, 1.6, 1.6, 1.7, 1.7, 1.7, 1.7, 0.3, 0.3, 0.3, 0.3].map((v) => v / 100);
    const e = new TemporalEnsembler({ horizon: H, actionDim: 1, m: 0.01, track: { columns: [0], dt: 0.05 } });
    let v = 0;
    for (let t = 0; t < 40; t++) v = e.push(plan, [0.06])[0]!;
    // The velocities of all chunks covering now: the mean of the plan, under 1 cm/s — the arm stays hovering.
    expect(v).toBeLessThan(0);
    expect(v).toBeGreaterThan(-0.01);
    // Where the chunks say the tool should be: over a centimetre further down (at gain 4/s, > 4 cm/s down).
    const dz = e.target()![0]! - 0.06;
    expect(dz).toBeLessThan(-0.01);
    // An arm that follows the plan is where the chunks say: the target is the measured position.
    const f = new TemporalEnsembler({ horizon: H, actionDim: 1, m: 0.01, track: { columns: [0], dt: 0.05 } });
    const ramp = Array.from({ length: H }, () => -0.05);
    let z = 0.2;
    for (let t = 0; t < 30; t++) {
      f.push(ramp, [z]);
      expect(f.target()![0]).toBeCloseTo(z, 7);
      z -= 0.05 * 0.05;
    }
  });

  it('track: a target only when every chunk covering now has an anchor; bad anchors and columns are refused', () => {
    const e = new TemporalEnsembler({ horizon: 2, actionDim: 2, track: { columns: [1], dt: 0.1 } });
    e.push([1, 1, 2, 2]);
    e.push([1, 1, 2, 2], [0]);
    expect(e.target()).toBeNull();
    e.push([1, 1, 2, 2], [0]);
    expect(e.target()).not.toBeNull();
    expect(() => e.push([1, 1, 2, 2], [0, 1])).toThrow(/expected an anchor of 1 values \(the tracked columns\), found 2/);
    expect(() => new TemporalEnsembler({ horizon: 2, actionDim: 2 }).push([1, 1, 2, 2], [0])).toThrow(/expected an anchor of 0 values/);
    expect(() => new TemporalEnsembler({ horizon: 2, actionDim: 2, track: { columns: [2], dt: 0.1 } })).toThrow(/track expects dt > 0 and columns in 0..1, found dt 0.1 and \[2\]/);
    expect(() => new TemporalEnsembler({ horizon: 2, actionDim: 2, track: { columns: [0], dt: 0 } })).toThrow(/track expects dt > 0/);
  });
});
