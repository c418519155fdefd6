import { describe, expect, it } from 'vitest';
import { DemoNoise } from './DemoNoise.ts';

describe('DemoNoise', () => {
  it('is zero-mean with the asked std, correlated over its time constant, and replays by seed', () => {
    const sigma = 0.1;
    const dt = 0.02;
    const n = new DemoNoise(sigma, 6, 7);
    const samples: number[][] = [];
    for (let i = 0; i < 20_000; i++) samples.push(n.apply([1, 1, 1, 1, 1, 1, 5], dt).map((v, j) => (j < 6 ? v - 1 : v)));
    const col = samples.map((s) => s[2]);
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
    // Only the joints it was made for are touched.
    expect(samples.every((s) => s[6] === 5)).toBe(true);
    // Same seed, same noise; another seed, other noise.
    const again = new DemoNoise(sigma, 6, 7).apply([0, 0, 0, 0, 0, 0], dt);
    expect(again).toEqual(new DemoNoise(sigma, 6, 7).apply([0, 0, 0, 0, 0, 0], dt));
    expect(again).not.toEqual(new DemoNoise(sigma, 6, 8).apply([0, 0, 0, 0, 0, 0], dt));
    expect(new DemoNoise(0, 6, 7).apply([0.3, 0, 0, 0, 0, 0], dt)).toEqual([0.3, 0, 0, 0, 0, 0]);
    expect(() => new DemoNoise(-1, 6, 7)).toThrow(/expected sigma ≥ 0 rad\/s, found -1/);
  });
});
