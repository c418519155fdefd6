/**
 * Hold-to-move jogging. Every input (a held button, a key, a gamepad stick)
 * sets a value in -1..1 on one of six axes: joints 1–6, or X, Y, Z, Rx, Ry,
 * Rz in Cartesian mode. While any axis is non-zero the controller sends a
 * jog frame at a steady rate (faster than the bridge's deadman timeout);
 * when everything is let go it sends one zero frame and goes quiet, and the
 * bridge's deadman stops the arm should even that frame be lost.
 */
import type { ClientMessage } from '@cellkit/bridge/protocol';
import type { Timers } from '../data/BridgeClient.ts';

export type JogMode = 'joints' | 'cartesian';
export type JogFrame = 'base' | 'tool';

export interface JogLimits {
  joints: number;
  /** rad/s per joint at 100 % speed (the safety layer's limits, `welcome.limits.teleop`). */
  maxJointVelocity: number[];
  /** m/s at 100 %. */
  maxTcpSpeed: number;
  /** rad/s of tool rotation at 100 %. */
  maxAngularSpeed: number;
  /** s: the bridge zeroes a jog frame older than this. */
  deadmanTimeout: number;
}

export interface JogControllerOptions {
  send: (msg: ClientMessage) => boolean;
  timers?: Timers;
  /** ms between frames while held, before the deadman cap. Default 33 (~30 Hz). */
  periodMs?: number;
}

const AXES = 6;

const globalTimers: Timers = {
  setTimeout: (cb, ms) => setTimeout(cb, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  setInterval: (cb, ms) => setInterval(cb, ms),
  clearInterval: (h) => clearInterval(h as ReturnType<typeof setInterval>),
};

export class JogController {
  private readonly send: (msg: ClientMessage) => boolean;
  private readonly timers: Timers;
  private readonly basePeriodMs: number;
  private limits: JogLimits | undefined;
  private readonly inputs = new Map<string, Float64Array>();
  private combined = new Float64Array(AXES);
  private ticker: unknown;
  private listeners = new Set<() => void>();
  private enabledState = false;
  mode: JogMode = 'joints';
  frame: JogFrame = 'base';
  /** 0.01..1 of the limits. */
  speed = 0.25;
  /** Frames sent since construction (tests and the debug readout). */
  framesSent = 0;
  /** Bumped whenever mode, frame, speed, enablement or held axes change (for `useSyncExternalStore`). */
  revision = 0;

  constructor(opts: JogControllerOptions) {
    this.send = opts.send;
    this.timers = opts.timers ?? globalTimers;
    this.basePeriodMs = opts.periodMs ?? 33;
  }

  configure(limits: JogLimits | undefined): void {
    this.stopAll();
    this.limits = limits;
    this.changed();
  }

  get enabled(): boolean {
    return this.enabledState;
  }

  /** Only an enabled controller moves anything; disabling lets go of every input. */
  setEnabled(enabled: boolean): void {
    if (enabled === this.enabledState) return;
    this.enabledState = enabled;
    if (!enabled) this.stopAll();
    this.changed();
  }

  setMode(mode: JogMode): void {
    if (mode === this.mode) return;
    this.stopAll();
    this.mode = mode;
    this.changed();
  }

  setFrame(frame: JogFrame): void {
    if (frame === this.frame) return;
    this.stopAll();
    this.frame = frame;
    this.changed();
  }

  setSpeed(fraction: number): void {
    this.speed = Math.min(1, Math.max(0.01, fraction));
    this.changed();
  }

  /** One axis of one input source; 0 lets go. */
  press(source: string, axis: number, value: number): void {
    const v = new Float64Array(AXES);
    if (axis >= 0 && axis < AXES) v[axis] = clampUnit(value);
    this.setAxes(source, v);
  }

  /** All six axes of one input source (a gamepad); all zero lets go. */
  setAxes(source: string, values: ArrayLike<number>): void {
    if (!this.enabledState || !this.limits) return;
    const v = new Float64Array(AXES);
    let any = false;
    for (let i = 0; i < AXES && i < values.length; i++) {
      v[i] = clampUnit(values[i]);
      if (v[i] !== 0) any = true;
    }
    const prev = this.inputs.get(source);
    if (!any && !prev) return;
    if (any) this.inputs.set(source, v);
    else this.inputs.delete(source);
    this.recombine();
  }

  release(source: string): void {
    if (!this.inputs.has(source)) return;
    this.inputs.delete(source);
    this.recombine();
  }

  /** Lets go of everything (window lost focus, page hidden, mode change). */
  releaseAll(): void {
    if (this.inputs.size === 0) return;
    this.inputs.clear();
    this.recombine();
  }

  get moving(): boolean {
    return this.ticker !== undefined;
  }

  /** The combined axis values -1..1 (for highlighting what is held). */
  axes(): Float64Array {
    return this.combined;
  }

  /** The velocity that goes with 100 % of an axis at the current speed, in the axis' unit. */
  axisSpeed(axis: number): number {
    const l = this.limits;
    if (!l) return 0;
    if (this.mode === 'joints') return (l.maxJointVelocity[axis] ?? 0) * this.speed;
    return (axis < 3 ? l.maxTcpSpeed : l.maxAngularSpeed) * this.speed;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };

  private recombine(): void {
    const c = new Float64Array(AXES);
    for (const v of this.inputs.values()) for (let i = 0; i < AXES; i++) c[i] += v[i];
    let any = false;
    for (let i = 0; i < AXES; i++) {
      c[i] = clampUnit(c[i]);
      if (c[i] !== 0) any = true;
    }
    this.combined = c;
    if (any) {
      this.sendFrame();
      if (this.ticker === undefined) this.ticker = this.timers.setInterval(() => this.sendFrame(), this.periodMs());
    } else if (this.ticker !== undefined) {
      this.timers.clearInterval(this.ticker);
      this.ticker = undefined;
      this.sendFrame();
    }
    this.changed();
  }

  private stopAll(): void {
    this.inputs.clear();
    this.recombine();
  }

  private periodMs(): number {
    const deadmanMs = (this.limits?.deadmanTimeout ?? 0.1) * 1000;
    // At least three frames per deadman window: one late frame must not stop the arm.
    return Math.max(5, Math.min(this.basePeriodMs, deadmanMs / 3));
  }

  private sendFrame(): void {
    const msg = this.message();
    if (!msg) return;
    this.framesSent++;
    if (!this.send(msg) && this.ticker !== undefined) {
      // The link is down: stop sending; nothing is queued, the bridge's deadman has already stopped the arm.
      this.timers.clearInterval(this.ticker);
      this.ticker = undefined;
      this.inputs.clear();
      this.combined = new Float64Array(AXES);
      this.changed();
    }
  }

  private message(): ClientMessage | undefined {
    const l = this.limits;
    if (!l) return undefined;
    const c = this.combined;
    if (this.mode === 'joints') {
      const velocities = Array.from({ length: l.joints }, (_, i) => (i < AXES ? c[i] * (l.maxJointVelocity[i] ?? 0) * this.speed : 0));
      return { op: 'teleop.joints', velocities };
    }
    const lin = l.maxTcpSpeed * this.speed;
    const ang = l.maxAngularSpeed * this.speed;
    return { op: 'teleop.twist', linear: [c[0] * lin, c[1] * lin, c[2] * lin], angular: [c[3] * ang, c[4] * ang, c[5] * ang], frame: this.frame };
  }

  private changed(): void {
    this.revision++;
    for (const l of [...this.listeners]) l();
  }
}

function clampUnit(x: number): number {
  if (!Number.isFinite(x)) return 0;
  return Math.min(1, Math.max(-1, x));
}
