/**
 * The control loop's clock: the cell's own time, read from joint-state
 * stamps, kept monotonic, and cut into ticks of `period` seconds.
 *
 * Why the cell's clock: a sim at `--speed max` runs many times real time,
 * and a command rate, a deadman and a command's age only make sense on the
 * clock the arm moves by. Why an offset: the cell's clock can jump back — a
 * sim reset to time 0, or, after a reconnect, a different process whose
 * clock is behind the old one. The safety layer's clock must never go
 * backwards, so a backward jump shifts the cell's clock to continue where it
 * stopped (one rosbridge publisher over TCP cannot deliver out of order, so
 * a backward stamp always means a new clock, never a late sample).
 */
export class CellClock {
  private offset = 0;
  private latest?: number;
  private nextTick?: number;
  private jumps = 0;

  constructor(private readonly period: number) {}

  /** Cell now: the latest sample's stamp on the monotonic clock, undefined before the first. */
  get now(): number | undefined {
    return this.latest;
  }

  /** How many times the cell's clock jumped back and was shifted. */
  get backwardJumps(): number {
    return this.jumps;
  }

  /** Take one joint-state stamp: its time on the monotonic clock, and whether it crosses the next tick. */
  observe(stamp: number): { time: number; tick: boolean } {
    let t = stamp + this.offset;
    if (this.latest !== undefined && t < this.latest) {
      this.offset += this.latest - t;
      t = this.latest;
      this.jumps++;
    }
    this.latest = t;
    // Slack of 0.1% of a period: stamps are epoch seconds (float64 resolution ~2e-7 s), and a 500 Hz
    // sample landing a rounding error before a 125 Hz grid point must still tick, not slip to the next sample.
    if (this.nextTick !== undefined && t < this.nextTick - this.period * 1e-3) return { time: t, tick: false };
    // Stay on the grid; after a jump of more than a period (sim batch, pause), restart it rather than burst.
    this.nextTick = this.nextTick === undefined || t - this.nextTick >= this.period ? t + this.period : this.nextTick + this.period;
    return { time: t, tick: true };
  }
}
