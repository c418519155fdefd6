import { describe, expect, it } from 'vitest';
import { syntheticData } from '../testing/syntheticData.ts';
import { BatchBuilder } from './BatchBuilder.ts';
import { actionWindow, buildWindows } from './buildWindows.ts';
import { computeStats, denormalize, normalizeInto, stdFloor } from './Normalization.ts';
import { shiftedFrame } from './randomShift.ts';
import { Rng } from './Rng.ts';
import { splitEpisodes } from './splitEpisodes.ts';
import { validateTrainingData } from './TrainingData.ts';
import type { TrainingData } from './TrainingData.ts';

function tinyData(): TrainingData {
  // 2 episodes, S = 1, A = 2; action at step t of episode e = [10e + t, −t].
  const ep = (e: number, T: number) => ({
    states: Float32Array.from({ length: T }, (_, t) => t),
    actions: Float32Array.from({ length: 2 * T }, (_, i) => (i % 2 === 0 ? 10 * e + (i >> 1) : 0 - (i >> 1))),
    length: T,
  });
  return { episodes: [ep(0, 5), ep(1, 3)], stateNames: ['s'], actionNames: ['a', 'b'], rate: 10 };
}

describe('windows', () => {
  it('targets are the next H actions, padded with the last action and masked past the episode end', () => {
    const data = tinyData();
    const refs = buildWindows(data, [0, 1]);
    expect(refs).toHaveLength(8);
    const target = new Float32Array(4 * 2);
    const mask = new Float32Array(4);
    actionWindow(data, { episode: 1, step: 1 }, 4, target, 0, mask, 0);
    expect(Array.from(target)).toEqual([11, -1, 12, -2, 12, -2, 12, -2]);
    expect(Array.from(mask)).toEqual([1, 1, 0, 0]);
    actionWindow(data, { episode: 0, step: 0 }, 4, target, 0, mask, 0);
    expect(Array.from(target)).toEqual([0, 0, 1, -1, 2, -2, 3, -3]);
    expect(Array.from(mask)).toEqual([1, 1, 1, 1]);
  });
});

describe('normalization', () => {
  it('computes per-feature mean/std, leaves constant features unscaled, and round-trips', () => {
    const stats = computeStats([Float32Array.from([1, 5, 3, 5]), Float32Array.from([5, 5])], 2);
    expect(stats.mean[0]).toBeCloseTo(3);
    expect(stats.std[0]).toBeCloseTo(Math.sqrt(8 / 3));
    expect(stats.mean[1]).toBeCloseTo(5);
    expect(stats.std[1]).toBe(1);
    const out = new Float32Array(2);
    normalizeInto([5, 7], stats, out);
    expect(out[0]).toBeCloseTo(2 / Math.sqrt(8 / 3), 5);
    expect(out[1]).toBeCloseTo(2, 5);
    const back = denormalize(out, stats);
    expect(back[0]).toBeCloseTo(5, 4);
    expect(back[1]).toBeCloseTo(7, 4);
  });
});

describe('normalization floors', () => {
  it('scales a feature the demos barely moved by its unit floor, so a small deviation at run time stays a small input', () => {
    // wrist held at -1.5708 ± 5e-5 rad in every demo; a real arm deviates by a few mrad.
    const names = ['observation.joint_position.wrist_2_joint', 'observation.wrench.force.z', 'action.gripper'];
    const rows = Float32Array.from([-1.57075, -7.8, 0, -1.57085, -7.9, 0, -1.5708, -7.85, 0]);
    const stats = computeStats([rows], 3, names);
    expect(stats.std[0]).toBeCloseTo(stdFloor(names[0]), 9);
    expect(stats.std[1]).toBe(0.5);
    expect(stats.std[2]).toBe(0.02);
    const out = new Float32Array(3);
    normalizeInto([-1.5708 + 0.005, -7.85, 0], stats, out);
    expect(Math.abs(out[0])).toBeLessThan(1);
    // Without names, the same data scales the 5 mrad deviation to ~100σ: what made policies explode.
    const raw = computeStats([rows], 3);
    normalizeInto([-1.5708 + 0.005, -7.85, 0], raw, out);
    expect(Math.abs(out[0])).toBeGreaterThan(50);
    // A feature that really varies keeps its own std.
    expect(computeStats([Float32Array.from([0, 1, 2, 3])], 1, ['observation.joint_position.elbow_joint']).std[0]).toBeCloseTo(Math.sqrt(1.25), 6);
    expect(() => computeStats([rows], 3, names.slice(0, 2))).toThrow(/expected 3 feature names, found 2/);
  });
});

describe('splitEpisodes', () => {
  it('splits by episode, disjoint and complete, reproducibly by seed', () => {
    const a = splitEpisodes(20, { validationFraction: 0.2, seed: 5 });
    const b = splitEpisodes(20, { validationFraction: 0.2, seed: 5 });
    const c = splitEpisodes(20, { validationFraction: 0.2, seed: 6 });
    expect(a).toEqual(b);
    expect(a.validation).toHaveLength(4);
    expect([...a.train, ...a.validation].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(a.validation).not.toEqual(c.validation);
  });

  it('holds out at least one episode when asked, never all of them', () => {
    expect(splitEpisodes(3, { validationFraction: 0.1 }).validation).toHaveLength(1);
    expect(splitEpisodes(1, { validationFraction: 0.5 }).validation).toHaveLength(0);
    expect(splitEpisodes(5, { validationFraction: 0 }).validation).toHaveLength(0);
    expect(() => splitEpisodes(5, { validationFraction: 1 })).toThrow(/validationFraction in \[0, 1\)/);
  });
});

describe('random shift', () => {
  it('shifts content by (dx, dy) and replicates the border', () => {
    // 3×3 image whose red channel is its pixel index.
    const img = new Uint8Array(27);
    for (let i = 0; i < 9; i++) img[i * 3] = i * 10;
    const out = new Float32Array(27);
    shiftedFrame(img, 0, 3, 3, 1, -1, out, 0);
    const red = Array.from({ length: 9 }, (_, i) => Math.round(out[i * 3] * 255));
    // Output (i, j) reads source (clamp(i − 1), clamp(j + 1)).
    expect(red).toEqual([10, 20, 20, 10, 20, 20, 40, 50, 50]);
  });
});

describe('BatchBuilder', () => {
  it('is reproducible for a seed, augments images only when asked, and validates data', () => {
    const data = syntheticData({ episodes: 2, length: 12, cameras: ['top'], imageSize: 16 });
    validateTrainingData(data, ['top']);
    const normalization = {
      state: computeStats(data.episodes.map((e) => e.states), data.stateNames.length),
      action: computeStats(data.episodes.map((e) => e.actions), data.actionNames.length),
    };
    const refs = new Rng(1).shuffle(buildWindows(data, [0, 1])).slice(0, 6);
    const aug = new BatchBuilder({ data, normalization, horizon: 3, cameras: ['top'], shiftPad: 2 });
    const plain = new BatchBuilder({ data, normalization, horizon: 3, cameras: ['top'] });
    const b1 = aug.build(refs, new Rng(9));
    const b2 = aug.build(refs, new Rng(9));
    const b3 = aug.build(refs, new Rng(10));
    expect(b1).toEqual(b2);
    expect(b1.images.top).not.toEqual(b3.images.top);
    expect(b1.target).toEqual(b3.target);
    const p = plain.build(refs);
    expect(p.images.top).not.toEqual(b1.images.top);
    expect(p.state.length).toBe(6 * data.stateNames.length);
    expect(p.target.length).toBe(6 * 3 * data.actionNames.length);
    expect(() => validateTrainingData({ ...data, stateNames: ['x'] })).toThrow(/states expected 12×1=12 values, found/);
  });

  it('with reuseBuffers, overwrites the same arrays with what fresh ones would hold (incl. padded, masked steps)', () => {
    const data = syntheticData({ episodes: 2, length: 12, cameras: ['top', 'wrist'], imageSize: 16 });
    const normalization = {
      state: computeStats(data.episodes.map((e) => e.states), data.stateNames.length),
      action: computeStats(data.episodes.map((e) => e.actions), data.actionNames.length),
    };
    const all = buildWindows(data, [0, 1]);
    const opts = { data, normalization, horizon: 4, cameras: ['top', 'wrist'], shiftPad: 2 };
    const fresh = new BatchBuilder(opts);
    const reused = new BatchBuilder({ ...opts, reuseBuffers: true });
    // Episode ends (masked steps) in the second batch only; then a smaller last batch.
    const batches = [all.slice(0, 6), all.filter((r) => r.step >= 9).slice(0, 6), all.slice(6, 12), all.slice(0, 4)];
    const seen: Float32Array[] = [];
    batches.forEach((refs, i) => {
      const want = fresh.build(refs, new Rng(i));
      const got = reused.build(refs, new Rng(i));
      expect(got).toEqual(want);
      seen.push(got.images.top);
    });
    expect(Array.from(batches[1].map((r) => r.step))).toContain(11);
    expect(seen[1]).toBe(seen[0]);
    expect(seen[2]).toBe(seen[0]);
    expect(seen[3]).not.toBe(seen[0]);
  });
});
