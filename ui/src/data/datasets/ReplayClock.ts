/**
 * The one replay time that every replay panel follows: cameras, plots and the
 * scrubber read `t` on their animation frames and draw; nothing about it goes
 * through React state. Seconds from the episode's start.
 */
export const REPLAY_SPEEDS = [0.5, 1, 2] as const;
export type ReplaySpeed = (typeof REPLAY_SPEEDS)[number];

export class ReplayClock {
  t = 0;
  duration = 0;
  playing = false;
  speed: ReplaySpeed = 1;
  /** Bumped on every change, so panels redraw only when something moved. */
  version = 0;
  #lastTick: number | null = null;
  #listeners = new Set<() => void>();

  /** Low-rate changes (play/pause, speed, a new episode) for buttons that show them. */
  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  };

  #changed(notify: boolean): void {
    this.version++;
    if (notify) for (const l of [...this.#listeners]) l();
  }

  reset(duration: number): void {
    this.duration = Math.max(0, duration);
    this.t = 0;
    this.playing = false;
    this.#lastTick = null;
    this.#changed(true);
  }

  seek(t: number): void {
    const next = Math.min(this.duration, Math.max(0, t));
    if (next === this.t) return;
    this.t = next;
    this.#changed(false);
  }

  setPlaying(playing: boolean): void {
    if (playing && this.t >= this.duration) this.t = 0; // play again from the start
    this.playing = playing;
    this.#lastTick = null;
    this.#changed(true);
  }

  toggle = (): void => this.setPlaying(!this.playing);

  setSpeed(speed: ReplaySpeed): void {
    this.speed = speed;
    this.#changed(true);
  }

  /** Advances by wall time while playing; call once per animation frame with its timestamp (ms). */
  tick(nowMs: number): void {
    if (!this.playing) return;
    const last = this.#lastTick;
    this.#lastTick = nowMs;
    if (last === null) return;
    // A long pause (hidden tab) does not jump: at most 100 ms per frame.
    const dt = Math.min(0.1, (nowMs - last) / 1000) * this.speed;
    const next = this.t + dt;
    if (next >= this.duration) {
      this.t = this.duration;
      this.playing = false;
      this.#changed(true);
      return;
    }
    this.t = next;
    this.#changed(false);
  }
}

/** Index of the last stamp ≤ t (0 before the first), by bisection; -1 when empty. */
export function frameAt(stamps: readonly number[], t: number): number {
  if (stamps.length === 0) return -1;
  let lo = 0;
  let hi = stamps.length - 1;
  if (t < stamps[0]!) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (stamps[mid]! <= t + 1e-9) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
