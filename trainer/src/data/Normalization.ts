// Per-feature mean/std normalization. Computed on the training episodes only
// (validation must not leak into it) and saved in the policy bundle, because
// the runtime has to apply exactly the same transform to live observations.

export interface FeatureStats {
  mean: number[];
  std: number[];
}

export interface Normalization {
  state: FeatureStats;
  action: FeatureStats;
}

/**
 * Below this std a feature is treated as constant and left unscaled (std 1):
 * dividing by ~0 would turn sensor noise at run time into huge inputs.
 */
export const MIN_STD = 1e-6;

/** Mean and (population) std of each column of row-major `rows`×`width` blocks. */
export function computeStats(blocks: Float32Array[], width: number): FeatureStats {
  const sum = new Float64Array(width);
  const sumSq = new Float64Array(width);
  let n = 0;
  for (const block of blocks) {
    const rows = block.length / width;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < width; c++) {
        const v = block[r * width + c];
        sum[c] += v;
        sumSq[c] += v * v;
      }
    }
    n += rows;
  }
  if (n === 0) throw new Error('normalization: expected at least one row of data, found 0');
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < width; c++) {
    const m = sum[c] / n;
    const s = Math.sqrt(Math.max(0, sumSq[c] / n - m * m));
    mean.push(m);
    std.push(s < MIN_STD ? 1 : s);
  }
  return { mean, std };
}

/** (v − mean) / std, written into `out` (may alias `values`). */
export function normalizeInto(values: ArrayLike<number>, stats: FeatureStats, out: Float32Array, outOffset = 0): void {
  const w = stats.mean.length;
  for (let i = 0; i < values.length; i++) {
    const c = i % w;
    out[outOffset + i] = (values[i] - stats.mean[c]) / stats.std[c];
  }
}

/** v · std + mean. */
export function denormalize(values: ArrayLike<number>, stats: FeatureStats): Float32Array {
  const w = stats.mean.length;
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const c = i % w;
    out[i] = values[i] * stats.std[c] + stats.mean[c];
  }
  return out;
}
