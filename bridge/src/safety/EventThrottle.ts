import type { SafetyEvent } from './SafetyEvent.ts';

export interface EventThrottleOptions {
  /** s. At most one event per key within this interval. Default 1. */
  interval?: number;
  /** Receives the events that pass. */
  onEvent?: (e: SafetyEvent) => void;
}

/**
 * Rate limits events per key (kind + code + joint) so a clamp held for
 * seconds gives one event when it starts and then at most one per `interval`,
 * each carrying how many were dropped — not 125 events a second. Total counts
 * per code are kept for `status()`.
 */
export class EventThrottle {
  readonly interval: number;
  private readonly onEvent?: (e: SafetyEvent) => void;
  private readonly lastEmitted = new Map<string, number>();
  private readonly dropped = new Map<string, number>();
  private readonly totals = new Map<string, number>();

  constructor(opts: EventThrottleOptions = {}) {
    this.interval = opts.interval ?? 1;
    this.onEvent = opts.onEvent;
  }

  /** Offer an event; returns true if it was delivered. */
  emit(e: SafetyEvent): boolean {
    const total = `${e.kind}:${e.code}`;
    this.totals.set(total, (this.totals.get(total) ?? 0) + 1);
    const key = e.joint === undefined ? total : `${total}:${e.joint}`;
    const last = this.lastEmitted.get(key);
    // A clock that went backwards (bad input) must not silence events forever.
    if (last !== undefined && e.time - last < this.interval && e.time >= last) {
      this.dropped.set(key, (this.dropped.get(key) ?? 0) + 1);
      return false;
    }
    const suppressed = this.dropped.get(key) ?? 0;
    this.dropped.delete(key);
    this.lastEmitted.set(key, e.time);
    this.deliver(suppressed > 0 ? { ...e, suppressed } : e);
    return true;
  }

  private deliver(e: SafetyEvent): void {
    try {
      this.onEvent?.(e);
    } catch {
      // A failing listener must never break the control loop that called us.
    }
  }

  /** Deliver without rate limiting (e-stop and its reset: a person's action is always reported). */
  emitAlways(e: SafetyEvent): void {
    const total = `${e.kind}:${e.code}`;
    this.totals.set(total, (this.totals.get(total) ?? 0) + 1);
    this.deliver(e);
  }

  /** Every event offered so far, delivered or not, by `kind:code`. */
  counts(): Record<string, number> {
    return Object.fromEntries(this.totals);
  }
}
