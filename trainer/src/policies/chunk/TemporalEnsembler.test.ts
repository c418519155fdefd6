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
});
