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
  /** Monotonic time of the last tick, grid or early. */
  private lastTick?: number;
  /** Monotonic time of the last early tick. */
  private lastEarly?: number;
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
    this.lastTick = t;
    return { time: t, tick: true };
  }

  /**
   * Whether a fresh command may go out now, off the grid. Why: on the 125 Hz
   * grid alone a command waits up to 8 ms for its tick; an early tick sends
   * it on the current joint sample, or on the next one if this sample already
   * ticked. `again`: the sample already ticked but the command would change
   * an output that has not changed on this sample — it goes out at once, a
   * second tick at the same cell time (the acceleration step counts from the
   * output's last change, not the last tick, so it is a real step; see
   * SafetyLayer). Bounded: at most one early tick per period (a client
   * flooding commands cannot raise the output rate; only a ramp in progress
   * does, see `tickOnSample`), so the output stays within the sample rate
   * plus publishRate. The grid itself is never moved. Returns false when the
   * command must wait (`nextSample`: for the next sample) or an early tick
   * was too recent.
   */
  tickEarly(again = false): { now: boolean; nextSample: boolean } {
    if (this.latest === undefined) return { now: false, nextSample: false };
    if (this.lastEarly !== undefined && this.latest - this.lastEarly < this.period * (1 - 1e-3)) return { now: false, nextSample: false };
    if (this.lastTick !== undefined && this.latest <= this.lastTick && !again) return { now: false, nextSample: true };
    this.lastTick = this.latest;
    this.lastEarly = this.latest;
    return { now: true, nextSample: false };
  }

  /**
   * Whether the current sample may carry a ramp tick: true once per sample
   * that has not ticked (grid, early or ramp), and marks it. Why: while the
   * acceleration limit shapes the output, a new output per joint sample lets
   * the arm follow the ramp instead of a 125 Hz staircase (on the staircase
   * the arm's own ramp catches up with each step and then waits for the
   * next). At most one tick per joint sample, so the output stays within the
   * sample rate; the grid is never moved.
   */
  tickOnSample(): boolean {
    if (this.latest === undefined || (this.lastTick !== undefined && this.latest <= this.lastTick)) return false;
    this.lastTick = this.latest;
    return true;
  }
}
