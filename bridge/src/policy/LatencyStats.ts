/** Per-step inference latency (ms) over the latest `capacity` steps: p50, p99, last. */
export class LatencyStats {
  private readonly ring: Float64Array;
  private count = 0;
  private last = 0;

  constructor(capacity = 2000) {
    this.ring = new Float64Array(capacity);
  }

  add(ms: number): void {
    this.ring[this.count % this.ring.length] = ms;
    this.count++;
    this.last = ms;
  }

  reset(): void {
    this.count = 0;
    this.last = 0;
  }

  /** Undefined before the first step. Sorting a copy is fine at status rates (a few Hz). */
  summary(): { p50: number; p99: number; last: number; samples: number } | undefined {
    const n = Math.min(this.count, this.ring.length);
    if (n === 0) return undefined;
    const sorted = this.ring.slice(0, n).sort();
    const at = (q: number) => sorted[Math.min(n - 1, Math.ceil(q * n) - 1)]!;
    return { p50: at(0.5), p99: at(0.99), last: this.last, samples: this.count };
  }
}
