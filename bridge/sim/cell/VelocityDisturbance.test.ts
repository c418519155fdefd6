import { describe, expect, it } from 'vitest';
import { VelocityDisturbance } from './VelocityDisturbance.ts';

describe('VelocityDisturbance', () => {
  it('is zero-mean with the asked std, correlated over its time constant, and replays by seed', () => {
    const sigma = 0.1;
    const dt = 0.02;
    const n = new VelocityDisturbance(sigma, 6, 7);
    const col: number[] = [];
    for (let i = 0; i < 20_000; i++) col.push(n.advance(dt)[2]);
    const mean = col.reduce((a, b) => a + b, 0) / col.length;
    const std = Math.sqrt(col.reduce((a, b) => a + (b - mean) ** 2, 0) / col.length);
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(std).toBeGreaterThan(0.08);
    expect(std).toBeLessThan(0.12);
    // One step apart the noise is strongly correlated (exp(-0.02/0.3) ≈ 0.94); a second apart, barely.
    const corr = (lag: number): number => {
      let s = 0;
      for (let i = 0; i + lag < col.length; i++) s += (col[i] - mean) * (col[i + lag] - mean);
      return s / (col.length - lag) / std ** 2;
    };
    expect(corr(1)).toBeGreaterThan(0.85);
    expect(corr(50)).toBeLessThan(0.2);
    // Same seed, same noise; another seed, other noise.
    const again = Array.from(new VelocityDisturbance(sigma, 6, 7).advance(dt));
    expect(again).toEqual(Array.from(new VelocityDisturbance(sigma, 6, 7).advance(dt)));
    expect(again).not.toEqual(Array.from(new VelocityDisturbance(sigma, 6, 8).advance(dt)));
    expect(Array.from(new VelocityDisturbance(0, 6, 7).advance(dt))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(() => new VelocityDisturbance(-1, 6, 7)).toThrow(/expected sigma ≥ 0 rad\/s, found -1/);
  });
});
