/**
 * Live quality figures of a recording, per stream, updated in O(1) per
 * message and snapshotted in O(streams) by `report()` (cheap enough to call
 * from a UI poll). The same report is stored in the episode's json.
 *
 * Stream names: `joints`, `wrench`, `action`, `status`, `events`,
 * `camera/<name>`. All times in seconds.
 */

export type QualityMonitorOptions = {
  /**
   * Nominal rates in Hz by stream name; `camera` applies to every
   * `camera/<name>` without its own entry. Streams without a nominal rate
   * (status, events) are reported but never flagged.
   * Default { joints: 500, wrench: 500, action: 125, camera: 30 }.
   */
  nominalRates?: Record<string, number>;
  /** Flag a stream whose mean rate is under this fraction of nominal. Default 0.9. */
  minRateFraction?: number;
  /** A gap longer than this many nominal periods counts as a drop. Default 2. */
  dropPeriods?: number;
  /** Stream that other streams' skew is measured against. Default `joints`. */
  reference?: string;
  /** Streams expected in every episode: flagged when they have no message. Default: none. */
  expected?: string[];
};

export const DEFAULT_NOMINAL_RATES: Readonly<Record<string, number>> = { joints: 500, wrench: 500, action: 125, camera: 30 };

export type StreamQuality = {
  count: number;
  /** Source stamps of the first and last message. */
  firstStamp: number | null;
  lastStamp: number | null;
  /** (count − 1) ÷ (last − first stamp), Hz; null with fewer than 2 messages. */
  meanRate: number | null;
  /**
   * count ÷ the span of all rated streams' stamps, Hz: catches a stream that
   * stopped early or started late, which `meanRate` alone does not.
   */
  effectiveRate: number | null;
  nominalRate: number | null;
  /** Largest difference between consecutive source stamps. */
  maxGap: number;
  /** Gaps longer than `dropPeriods` nominal periods. */
  drops: number;
  /** Messages missing in those gaps, estimated as round(gap × nominal) − 1 each. */
  missing: number;
  /** Stamps that went back (out of order) relative to the previous message. */
  backwards: number;
  /** Mean of receive time − source stamp (latency plus clock offset). */
  clockOffset: number | null;
  /** Standard deviation of receive − stamp. */
  jitter: number | null;
  /**
   * This stream's stamp minus the reference stream's latest stamp at the time
   * each message was observed: mean and largest magnitude. Null for the
   * reference itself or before it has data.
   */
  skew: { mean: number; maxAbs: number } | null;
  /** Why this stream is flagged, if it is. */
  flag?: string;
};

export type QualityReport = {
  streams: Record<string, StreamQuality>;
  /** True when any stream is flagged. */
  flagged: boolean;
  /** One line per flagged stream. */
  flags: string[];
  minRateFraction: number;
};

type Acc = {
  count: number;
  first: number;
  last: number;
  maxGap: number;
  drops: number;
  missing: number;
  backwards: number;
  // Welford for receive − stamp.
  offsetMean: number;
  offsetM2: number;
  skewCount: number;
  skewSum: number;
  skewMaxAbs: number;
};

export class QualityMonitor {
  readonly minRateFraction: number;
  #rates: Record<string, number>;
  #dropPeriods: number;
  #reference: string;
  #expected: string[];
  #streams = new Map<string, Acc>();

  constructor(options: QualityMonitorOptions = {}) {
    this.#rates = { ...DEFAULT_NOMINAL_RATES, ...options.nominalRates };
    this.minRateFraction = options.minRateFraction ?? 0.9;
    this.#dropPeriods = options.dropPeriods ?? 2;
    this.#reference = options.reference ?? 'joints';
    this.#expected = options.expected ?? [];
  }

  nominalRate(stream: string): number | undefined {
    return this.#rates[stream] ?? (stream.startsWith('camera/') ? this.#rates.camera : undefined);
  }

  /** One message of `stream`: its source stamp and the time it was received. */
  observe(stream: string, stamp: number, receivedAt: number): void {
    let a = this.#streams.get(stream);
    if (!a) {
      a = { count: 0, first: stamp, last: stamp, maxGap: 0, drops: 0, missing: 0, backwards: 0, offsetMean: 0, offsetM2: 0, skewCount: 0, skewSum: 0, skewMaxAbs: 0 };
      this.#streams.set(stream, a);
    } else {
      const gap = stamp - a.last;
      if (gap < 0) a.backwards += 1;
      if (gap > a.maxGap) a.maxGap = gap;
      const rate = this.nominalRate(stream);
      if (rate !== undefined && gap > this.#dropPeriods / rate) {
        a.drops += 1;
        a.missing += Math.max(1, Math.round(gap * rate) - 1);
      }
    }
    if (a.count === 0 || stamp > a.last) a.last = stamp;
    if (stamp < a.first) a.first = stamp;
    a.count += 1;
    const offset = receivedAt - stamp;
    const delta = offset - a.offsetMean;
    a.offsetMean += delta / a.count;
    a.offsetM2 += delta * (offset - a.offsetMean);
    if (stream !== this.#reference) {
      const ref = this.#streams.get(this.#reference);
      if (ref) {
        const skew = stamp - ref.last;
        a.skewCount += 1;
        a.skewSum += skew;
        if (Math.abs(skew) > a.skewMaxAbs) a.skewMaxAbs = Math.abs(skew);
      }
    }
  }

  /** A snapshot; never mutates the running figures. */
  report(): QualityReport {
    const streams: Record<string, StreamQuality> = {};
    const flags: string[] = [];
    const names = new Set([...this.#expected, ...this.#streams.keys()]);
    let first = Infinity;
    let last = -Infinity;
    for (const [name, a] of this.#streams) {
      if (this.nominalRate(name) === undefined) continue;
      first = Math.min(first, a.first);
      last = Math.max(last, a.last);
    }
    const episodeSpan = last > first ? last - first : 0;
    for (const name of names) {
      const a = this.#streams.get(name);
      const nominal = this.nominalRate(name) ?? null;
      const span = a ? a.last - a.first : 0;
      const q: StreamQuality = {
        count: a?.count ?? 0,
        firstStamp: a ? a.first : null,
        lastStamp: a ? a.last : null,
        meanRate: a && a.count >= 2 && span > 0 ? (a.count - 1) / span : null,
        effectiveRate: a && episodeSpan > 0 ? Math.min(a.count / episodeSpan, a.count >= 2 && span > 0 ? (a.count - 1) / span : Infinity) : null,
        nominalRate: nominal,
        maxGap: a?.maxGap ?? 0,
        drops: a?.drops ?? 0,
        missing: a?.missing ?? 0,
        backwards: a?.backwards ?? 0,
        clockOffset: a ? a.offsetMean : null,
        jitter: a ? Math.sqrt(a.count > 1 ? a.offsetM2 / (a.count - 1) : 0) : null,
        skew: a && a.skewCount > 0 ? { mean: a.skewSum / a.skewCount, maxAbs: a.skewMaxAbs } : null,
      };
      if (nominal !== null) {
        if (q.count === 0) {
          q.flag = `${name}: no messages (expected ${nominal} Hz)`;
        } else if (q.effectiveRate === null || q.effectiveRate < this.minRateFraction * nominal) {
          const rate = q.effectiveRate === null ? 'a single message' : `${q.effectiveRate.toFixed(1)} Hz`;
          q.flag = `${name}: ${rate}, under ${Math.round(this.minRateFraction * 100)}% of nominal ${nominal} Hz`;
        }
      }
      if (q.flag) flags.push(q.flag);
      streams[name] = q;
    }
    return { streams, flagged: flags.length > 0, flags, minRateFraction: this.minRateFraction };
  }
}
