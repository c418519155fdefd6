import { describe, expect, it } from 'vitest';
import { TimeSeries } from './TimeSeries.ts';

describe('TimeSeries', () => {
  it('keeps the newest samples in order once it wraps', () => {
    const ts = new TimeSeries({ channels: 2, capacity: 4 });
    for (let i = 0; i < 6; i++) ts.push(i, [i * 10, -i]);
    expect(ts.size).toBe(4);
    expect([0, 1, 2, 3].map((i) => ts.timeAt(i))).toEqual([2, 3, 4, 5]);
    expect([0, 1, 2, 3].map((i) => ts.valueAt(i, 0))).toEqual([20, 30, 40, 50]);
    expect(ts.valueAt(3, 1)).toBe(-5);
    const out = new Float64Array(2);
    expect(ts.latest(out)).toBe(true);
    expect(Array.from(out)).toEqual([50, -5]);
  });

  it('stores missing channels as NaN and drops out-of-order samples', () => {
    const ts = new TimeSeries({ channels: 3, capacity: 8 });
    ts.push(1, [1]);
    expect(ts.valueAt(0, 0)).toBe(1);
    expect(Number.isNaN(ts.valueAt(0, 2))).toBe(true);
    const v = ts.version;
    expect(ts.push(0.5, [1, 2, 3])).toBe(false);
    expect(ts.push(Number.NaN, [1, 2, 3])).toBe(false);
    expect(ts.version).toBe(v);
    expect(ts.size).toBe(1);
  });

  it('finds the first sample at or after a time', () => {
    const ts = new TimeSeries({ channels: 1, capacity: 5 });
    for (let i = 0; i < 8; i++) ts.push(i * 0.1, [i]);
    // kept: 0.3 .. 0.7
    expect(ts.indexAtOrAfter(0)).toBe(0);
    expect(ts.indexAtOrAfter(0.45)).toBe(2);
    expect(ts.indexAtOrAfter(10)).toBe(5);
    expect(ts.latestTime()).toBeCloseTo(0.7);
  });

  it('refuses nonsense sizes with the numbers', () => {
    expect(() => new TimeSeries({ channels: 0 })).toThrow(/channels ≥ 1, found 0/);
    expect(() => new TimeSeries({ channels: 1, capacity: 1 })).toThrow(/capacity ≥ 2, found 1/);
  });
});
