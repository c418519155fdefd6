/**
 * LeRobot's per-feature statistics (`meta/stats.json`, and `stats/<key>/<stat>`
 * in the episodes parquet): min, max, mean, std (population) and count. Vector
 * features have one entry per dimension; images one per color channel, 0..1,
 * shaped [3][1][1] (channel first) as LeRobot's compute_stats writes them.
 * NaN entries (frames the aligned reader marked invalid) are skipped.
 */
export type LerobotStats = { min: unknown; max: unknown; mean: unknown; std: unknown; count: number[] };

export class VectorStats {
  readonly dim: number;
  count = 0;
  #n: Float64Array;
  #mean: Float64Array;
  #m2: Float64Array;
  #min: Float64Array;
  #max: Float64Array;

  constructor(dim: number) {
    this.dim = dim;
    this.#n = new Float64Array(dim);
    this.#mean = new Float64Array(dim);
    this.#m2 = new Float64Array(dim);
    this.#min = new Float64Array(dim).fill(Infinity);
    this.#max = new Float64Array(dim).fill(-Infinity);
  }

  add(row: ArrayLike<number>): void {
    this.count += 1;
    for (let k = 0; k < this.dim; k++) this.addValue(k, row[k]!);
  }

  addValue(k: number, v: number): void {
    if (Number.isNaN(v)) return;
    const n = (this.#n[k]! += 1);
    const d = v - this.#mean[k]!;
    this.#mean[k]! += d / n;
    this.#m2[k]! += d * (v - this.#mean[k]!);
    if (v < this.#min[k]!) this.#min[k] = v;
    if (v > this.#max[k]!) this.#max[k] = v;
  }

  /** Merges precomputed moments (Chan et al.) for dimension k: n values with this mean and M2, min, max. */
  merge(k: number, n: number, mean: number, m2: number, min: number, max: number): void {
    if (n === 0) return;
    const total = this.#n[k]! + n;
    const d = mean - this.#mean[k]!;
    this.#m2[k]! += m2 + (d * d * this.#n[k]! * n) / total;
    this.#mean[k]! += (d * n) / total;
    this.#n[k] = total;
    if (min < this.#min[k]!) this.#min[k] = min;
    if (max > this.#max[k]!) this.#max[k] = max;
  }

  result(shapeAsImage = false): LerobotStats {
    const clean = (v: number): number | null => (Number.isFinite(v) ? v : null);
    const vec = (a: Float64Array): unknown => {
      const values = Array.from(a, (v) => clean(v));
      return shapeAsImage ? values.map((v) => [[v]]) : values;
    };
    const std = Float64Array.from(this.#m2, (m2, k) => (this.#n[k]! > 0 ? Math.sqrt(m2 / this.#n[k]!) : Number.NaN));
    const mean = Float64Array.from(this.#mean, (m, k) => (this.#n[k]! > 0 ? m : Number.NaN));
    return { min: vec(this.#min), max: vec(this.#max), mean: vec(mean), std: vec(std), count: [this.count] };
  }
}

/** Per-channel stats of RGB frames, 0..1, sampling every `stride`-th pixel (stats, not pixels, are the product). */
export class ImageStats {
  readonly stats = new VectorStats(3);

  addFrame(rgb: Uint8Array, offset: number, pixels: number, stride = 4): void {
    this.stats.count += 1;
    for (let c = 0; c < 3; c++) {
      let n = 0;
      let sum = 0;
      let sq = 0;
      let min = Infinity;
      let max = -Infinity;
      for (let p = 0; p < pixels; p += stride) {
        const v = rgb[offset + p * 3 + c]! / 255;
        n += 1;
        sum += v;
        sq += v * v;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      const mean = sum / n;
      this.stats.merge(c, n, mean, Math.max(0, sq - n * mean * mean), min, max);
    }
  }

  result(): LerobotStats {
    return this.stats.result(true);
  }
}
