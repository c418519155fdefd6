/**
 * The control loop's clock: the cell's own time, read from joint-state
 * stamps, kept monotonic, and cut into ticks of `period` seconds.
 *
 * Why the cell's clock: a sim at `--speed max` runs many times real time,
 * and a command rate, a deadman and a command's age only make sense on the
 * clock the arm moves by. Why an offset: after a reconnect the cell may be a
 * different process whose clock is behind the old one (a restarted sim);
 * the safety layer's clock must never go backwards, so the new clock is
 * shifted to continue where the old one stopped.
 */
export class CellClock {
  private offset = 0;
  private latest?: number;
  private nextTick?: number;
  private rebase = true;

  constructor(private readonly period: number) {}

  /** Cell now: the latest sample's stamp on the monotonic clock, undefined before the first. */
  get now(): number | undefined {
    return this.latest;
  }

  /** The next sample may come from a new clock (call on reconnect). */
  expectNewClock(): void {
    this.rebase = true;
  }

  /**
   * Take one joint-state stamp. Returns the mapped time and whether it
   * crosses the next tick, or undefined for a sample older than the latest
   * (out of order: ignored).
   */
  observe(stamp: number): { time: number; tick: boolean } | undefined {
    let t = stamp + this.offset;
    if (this.latest !== undefined && t < this.latest) {
      if (!this.rebase) return undefined;
      this.offset += this.latest - t;
      t = this.latest;
      this.nextTick = undefined;
    }
    this.rebase = false;
    this.latest = t;
    if (this.nextTick !== undefined && t < this.nextTick) return { time: t, tick: false };
    // Stay on the grid; after a jump of more than a period (sim batch, pause), restart it rather than burst.
    this.nextTick = this.nextTick === undefined || t - this.nextTick >= this.period ? t + this.period : this.nextTick + this.period;
    return { time: t, tick: true };
  }
}
