import type { AlignedEpisode } from './AlignedReader.ts';
import type { FeatureStats } from './datasetTypes.ts';

type Running = { count: number; mean: Float64Array; m2: Float64Array; min: Float64Array; max: Float64Array };

function running(dim: number): Running {
  return {
    count: 0,
    mean: new Float64Array(dim),
    m2: new Float64Array(dim),
    min: new Float64Array(dim).fill(Infinity),
    max: new Float64Array(dim).fill(-Infinity),
  };
}

/**
 * Per-feature mean/std/min/max over valid aligned frames, accumulated episode
 * by episode with Welford's update (numerically stable over millions of
 * samples). Images are summarized per color channel, scaled to 0..1, which is
 * how a trainer normalizes them. Invalid frames never contribute.
 */
export class StatsAccumulator {
  #features = new Map<string, Running>();
  frames = 0;

  add(episode: AlignedEpisode): void {
    this.frames += episode.length;
    for (const [name, f] of Object.entries(episode.features)) {
      const r = this.#get(name, f.dim);
      for (let i = 0; i < episode.length; i++) {
        if (!f.valid[i]) continue;
        r.count += 1;
        for (let k = 0; k < f.dim; k++) this.#update(r, k, f.data[i * f.dim + k]!);
      }
    }
    for (const [name, c] of Object.entries(episode.cameras)) {
      const r = this.#get(`observation.images.${name}`, 3);
      const pixels = c.width * c.height;
      for (let i = 0; i < episode.length; i++) {
        if (!c.valid[i]) continue;
        // One frame at a time: exact per-frame sums, then a Chan merge, which
        // is much faster than a Welford step per pixel.
        const base = i * pixels * 3;
        const sum = [0, 0, 0];
        const sq = [0, 0, 0];
        for (let p = 0; p < pixels; p++) {
          for (let k = 0; k < 3; k++) {
            const v = c.data[base + p * 3 + k]! / 255;
            sum[k]! += v;
            sq[k]! += v * v;
            if (v < r.min[k]!) r.min[k] = v;
            if (v > r.max[k]!) r.max[k] = v;
          }
        }
        const n = r.count;
        for (let k = 0; k < 3; k++) {
          const meanB = sum[k]! / pixels;
          const m2B = Math.max(0, sq[k]! - pixels * meanB * meanB);
          const delta = meanB - r.mean[k]!;
          const total = n + pixels;
          r.mean[k] = r.mean[k]! + (delta * pixels) / total;
          r.m2[k] = r.m2[k]! + m2B + (delta * delta * n * pixels) / total;
        }
        r.count += pixels;
      }
    }
  }

  result(): Record<string, FeatureStats> {
    const out: Record<string, FeatureStats> = {};
    for (const [name, r] of this.#features) {
      out[name] = {
        mean: Array.from(r.mean),
        std: Array.from(r.m2, (m2) => (r.count > 0 ? Math.sqrt(m2 / r.count) : 0)),
        min: Array.from(r.min),
        max: Array.from(r.max),
        count: r.count,
      };
    }
    return out;
  }

  #get(name: string, dim: number): Running {
    let r = this.#features.get(name);
    if (!r) {
      r = running(dim);
      this.#features.set(name, r);
    }
    if (r.mean.length !== dim) {
      throw new Error(`Feature ${name} has ${dim} entries in one episode and ${r.mean.length} in another; relabel or re-record so they match.`);
    }
    return r;
  }

  /** Welford step for entry k; count was already incremented for this row. */
  #update(r: Running, k: number, v: number): void {
    const delta = v - r.mean[k]!;
    r.mean[k] = r.mean[k]! + delta / r.count;
    r.m2[k] = r.m2[k]! + delta * (v - r.mean[k]!);
    if (v < r.min[k]!) r.min[k] = v;
    if (v > r.max[k]!) r.max[k] = v;
  }
}
