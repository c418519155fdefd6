/**
 * Inbound rate limit per client: a token bucket refilled at `ratePerSecond`
 * up to `burst`. Jog frames at 60 Hz and pings pass; a flood is cut to the
 * rate without closing the connection.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly rate: number;
  private readonly burst: number;
  private readonly now: () => number;

  constructor(opts: { ratePerSecond: number; burst?: number; now?: () => number }) {
    this.rate = opts.ratePerSecond;
    this.burst = opts.burst ?? opts.ratePerSecond;
    // Monotonic milliseconds: a wall-clock step must not refill or freeze the bucket.
    this.now = opts.now ?? (() => performance.now());
    this.tokens = this.burst;
    this.last = this.now();
  }

  /** Takes one token; false when the bucket is empty (drop the message). */
  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
