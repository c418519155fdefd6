/**
 * The one store of low-rate cell state. Writers call `update` as often as
 * messages arrive; subscribers are told at most once per scheduled frame,
 * so React renders at display rate no matter how bursty the socket is.
 * `useSyncExternalStore` reads it through narrow selectors (useCell.ts).
 */
export type FrameScheduler = (callback: () => void) => void;

/**
 * requestAnimationFrame, with a timer as a backstop: hidden tabs get no
 * animation frames, and a hidden tab must still learn about an e-stop.
 */
export const animationFrameScheduler: FrameScheduler = (callback) => {
  let done = false;
  const run = (): void => {
    if (done) return;
    done = true;
    callback();
  };
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(run);
  setTimeout(run, 250);
};

export interface StoreOptions<S> {
  initial: S;
  /** Default: `animationFrameScheduler`. Tests pass a manual one. */
  schedule?: FrameScheduler;
}

export class Store<S> {
  private state: S;
  private readonly listeners = new Set<() => void>();
  private readonly schedule: FrameScheduler;
  private scheduled = false;
  private dirty = false;

  constructor(opts: StoreOptions<S>) {
    this.state = opts.initial;
    this.schedule = opts.schedule ?? animationFrameScheduler;
  }

  getSnapshot = (): S => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };

  /** Replaces the state now; listeners hear about it on the next frame. Returning the same object is a no-op. */
  update(fn: (state: S) => S): void {
    const next = fn(this.state);
    if (Object.is(next, this.state)) return;
    this.state = next;
    this.dirty = true;
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(() => this.flush());
  }

  /** Notifies listeners if anything changed since the last notification. */
  flush(): void {
    this.scheduled = false;
    if (!this.dirty) return;
    this.dirty = false;
    for (const l of [...this.listeners]) l();
  }
}
