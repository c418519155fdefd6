/**
 * A fixed-capacity ring of timestamped samples with several channels, in
 * Float64Arrays: the high-rate telemetry path. Writers push whole batches;
 * plots read it imperatively on animation frames. Nothing here allocates
 * per sample, and nothing here ever goes through React state.
 */
export interface TimeSeriesOptions {
  /** Values per sample (joints, or 6 for a wrench). */
  channels: number;
  /** Samples kept; older ones are overwritten. Default 8192 (16 s at 500 Hz). */
  capacity?: number;
}

export class TimeSeries {
  readonly channels: number;
  readonly capacity: number;
  /** s, per sample. */
  private readonly times: Float64Array;
  /** Channel-major: channel c of slot i is at `c * capacity + i`. */
  private readonly values: Float64Array;
  /** Next slot to write. */
  private head = 0;
  private count = 0;
  /** Bumped on every write: readers skip work when it has not moved. */
  version = 0;

  constructor(opts: TimeSeriesOptions) {
    if (!Number.isInteger(opts.channels) || opts.channels < 1) throw new Error(`TimeSeries: expected channels ≥ 1, found ${opts.channels}`);
    const capacity = opts.capacity ?? 8192;
    if (!Number.isInteger(capacity) || capacity < 2) throw new Error(`TimeSeries: expected capacity ≥ 2, found ${capacity}`);
    this.channels = opts.channels;
    this.capacity = capacity;
    this.times = new Float64Array(capacity);
    this.values = new Float64Array(capacity * opts.channels).fill(Number.NaN);
  }

  get size(): number {
    return this.count;
  }

  /**
   * Appends one sample. Missing channels (a shorter array) are stored as NaN
   * and drawn as gaps. Samples must arrive oldest first; a sample older than
   * the newest is dropped (a reconnect can replay a stale batch).
   */
  push(time: number, sample: ArrayLike<number>): boolean {
    if (!Number.isFinite(time)) return false;
    if (this.count > 0 && time < this.latestTime()) return false;
    const slot = this.head;
    this.times[slot] = time;
    for (let c = 0; c < this.channels; c++) {
      const v = c < sample.length ? sample[c] : Number.NaN;
      this.values[c * this.capacity + slot] = typeof v === 'number' ? v : Number.NaN;
    }
    this.head = (slot + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
    this.version++;
    return true;
  }

  clear(): void {
    this.head = 0;
    this.count = 0;
    this.version++;
  }

  /** Index 0 is the oldest kept sample. */
  private slot(index: number): number {
    return (this.head - this.count + index + this.capacity) % this.capacity;
  }

  timeAt(index: number): number {
    return this.times[this.slot(index)];
  }

  valueAt(index: number, channel: number): number {
    return this.values[channel * this.capacity + this.slot(index)];
  }

  latestTime(): number {
    return this.count === 0 ? Number.NaN : this.times[(this.head - 1 + this.capacity) % this.capacity];
  }

  /** Copies the newest sample into `out` (length ≥ channels); false when empty. */
  latest(out: Float64Array | number[]): boolean {
    if (this.count === 0) return false;
    const slot = (this.head - 1 + this.capacity) % this.capacity;
    for (let c = 0; c < this.channels; c++) out[c] = this.values[c * this.capacity + slot];
    return true;
  }

  /** Index of the first sample with time ≥ t (binary search; `size` when none). */
  indexAtOrAfter(t: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timeAt(mid) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
