import { forwardKinematics, jacobian, type ArmModel } from '../kinematics/index.ts';
import { EventThrottle } from './EventThrottle.ts';
import { commandProblem, type JointVelocityCommand, type OutputCommand } from './JointVelocityCommand.ts';
import { limitVelocity, type LimitContext } from './limitVelocity.ts';
import { CLAMP, REFUSAL, type SafetyEvent, type SafetyEventKind } from './SafetyEvent.ts';
import { inputsProblem, type SafetyInputs } from './SafetyInputs.ts';
import { brakingTime, resolveSafetyLimits, safetyModeName, type SafetyLimits } from './SafetyLimits.ts';

export interface SafetyLayerOptions {
  arm: ArmModel;
  /** Overrides of `defaultSafetyLimits(arm)`; validated, throws on unsafe values. */
  limits?: Partial<SafetyLimits>;
  /** Tool centre point in the flange frame (m). Default: the flange itself. */
  toolOffset?: [number, number, number];
  /** Receives every (rate-limited) event. Must not throw; if it does, the error is swallowed. */
  onEvent?: (e: SafetyEvent) => void;
}

/** The conditions that must all hold for any motion. */
export type GateName = 'estop' | 'inputs' | 'connection' | 'safetyMode' | 'force' | 'lease';
const GATES: GateName[] = ['estop', 'inputs', 'connection', 'safetyMode', 'force', 'lease'];

/** What the output is doing: executing a command, or why not. */
export type Motion = 'moving' | 'deadman' | 'no_command' | 'gated';

export interface SubmitResult {
  accepted: boolean;
  code?: string;
  message?: string;
}

export interface SafetyStatus {
  gates: Record<GateName, boolean>;
  estopped: boolean;
  estop?: { by: string; reason?: string; time: number };
  motion: Motion;
  leaseHolder?: string;
  safetyMode?: number;
  lastOutput: OutputCommand;
  /** Events offered so far by `kind:code`, including those rate limiting dropped. */
  counts: Record<string, number>;
  limits: SafetyLimits;
}

interface Accepted {
  cmd: JointVelocityCommand;
  from: string;
  /** Submission order; commands at or below `staleSeq` may never move the arm. */
  seq: number;
  /** The layer's time when it arrived (the latest tick's now). */
  receivedAt: number;
}

/**
 * The one function every command passes on its way to the arm. `submit`
 * takes commands from the lease holder; `tick`, called by the control loop at
 * `publishRate`, returns the command actually to send: always finite, zero
 * whenever any gate is closed, the deadman has expired or no fresh command
 * exists, and otherwise the latest command within every limit.
 *
 * A stop is a zero velocity target, immediately — not a ramp: the arm's own
 * controller decelerates it, and a stop must never wait on our ramp. Whenever
 * motion was stopped by a gate, e-stop, lease change or safety mode change,
 * commands that existed before are stale forever: motion needs a command
 * submitted (and stamped) after the stop cleared.
 *
 * Pure: no I/O, no clock of its own — time is `SafetyInputs.now`.
 */
export class SafetyLayer {
  readonly limits: SafetyLimits;
  private readonly arm: ArmModel;
  private readonly toolOffset?: [number, number, number];
  private readonly joints: number;
  private readonly period: number;
  private readonly tau: number;
  private readonly events: EventThrottle;

  private seq = 0;
  private latest?: Accepted;
  private staleSeq = 0;
  private staleTime = -Infinity;
  private estopState?: { by: string; reason?: string; time: number };
  private gates: Record<GateName, boolean>;
  private allOpen = false;
  private motion: Motion = 'gated';
  private lastNow?: number;
  private leaseHolder?: string;
  private safetyMode?: number;
  private forceLatched = false;
  /** False until the first tick: gates closed at start are reported once. */
  private ticked = false;
  private previous: number[];
  private gripper?: number;
  private lastOutput: OutputCommand;

  constructor(opts: SafetyLayerOptions) {
    // Private, frozen copies: nobody can loosen a limit or move a joint limit under a running layer.
    this.arm = deepFreeze(structuredClone(opts.arm));
    this.joints = opts.arm.jointNames.length;
    this.limits = deepFreeze(resolveSafetyLimits(opts.arm, opts.limits));
    this.toolOffset = opts.toolOffset ? [...opts.toolOffset] : undefined;
    if (this.toolOffset && !this.toolOffset.every(Number.isFinite)) {
      throw new Error(`SafetyLayer: expected a finite toolOffset [x, y, z] in metres, found ${JSON.stringify(opts.toolOffset)}.`);
    }
    this.period = 1 / this.limits.publishRate;
    this.tau = brakingTime(this.limits);
    this.events = new EventThrottle({ interval: this.limits.eventInterval, onEvent: opts.onEvent });
    // Until the first tick nothing is known, so every gate starts closed.
    this.gates = Object.fromEntries(GATES.map((g) => [g, false])) as Record<GateName, boolean>;
    this.previous = new Array<number>(this.joints).fill(0);
    this.lastOutput = { velocities: this.previous.slice(), stamp: 0, stop: 'not_started', limited: [] };
  }

  get estopped(): boolean {
    return this.estopState !== undefined;
  }

  /**
   * Offer a command from client `from`. Refused (with a code) if malformed,
   * e-stopped, `from` does not hold the lease, a gate was closed at the last
   * tick, or its stamp is outside the deadman window. Accepted commands are
   * only stored; `tick` decides what moves. Never queued: a newer command
   * replaces the older one.
   */
  submit(cmd: JointVelocityCommand, from: string): SubmitResult {
    if (typeof from !== 'string' || from === '') {
      return this.refuse(REFUSAL.badCaller, `expected a non-empty client id, found ${JSON.stringify(from)}`);
    }
    const problem = commandProblem(cmd, this.joints);
    if (problem) return this.refuse(REFUSAL.malformed, `Command from ${from} refused: ${problem}.`);
    if (this.estopState) {
      return this.refuse(REFUSAL.estopped, `Command from ${from} refused: e-stopped by ${this.estopState.by}. Reset the e-stop, then send a new command.`);
    }
    if (this.leaseHolder === undefined) {
      return this.refuse(REFUSAL.noLease, `Command from ${from} refused: nobody holds the control lease. Take the lease first.`);
    }
    if (from !== this.leaseHolder) {
      return this.refuse(REFUSAL.notLeaseHolder, `Command from ${from} refused: the control lease is held by ${this.leaseHolder}.`);
    }
    const closed = GATES.filter((g) => !this.gates[g]);
    if (closed.length > 0) {
      return this.refuse(REFUSAL.gateClosed, `Command from ${from} refused: not allowed to move (${closed.join(', ')}).`);
    }
    const now = this.lastNow ?? 0;
    const age = now - cmd.stamp;
    if (age > this.limits.deadmanTimeout) {
      return this.refuse(REFUSAL.stale, `Command from ${from} refused: stamped ${age.toFixed(3)} s ago, deadman is ${this.limits.deadmanTimeout} s.`);
    }
    if (-age > this.limits.deadmanTimeout) {
      return this.refuse(REFUSAL.future, `Command from ${from} refused: stamped ${(-age).toFixed(3)} s in the future. Check the client clock (commands must use the bridge clock).`);
    }
    // Copy: the caller may reuse its arrays; what we execute must not change under us.
    const copy: JointVelocityCommand = { ...cmd, velocities: cmd.velocities.slice() };
    this.latest = { cmd: copy, from, seq: ++this.seq, receivedAt: now };
    return { accepted: true };
  }

  /**
   * One control cycle: evaluate the gates and the deadman on `inputs`, then
   * limit the latest command. Returns the command to publish now.
   */
  tick(inputs: SafetyInputs): OutputCommand {
    const problem = inputsProblem(inputs, this.joints, this.lastNow);
    const now = Number.isFinite(inputs?.now) ? inputs.now : this.lastNow ?? 0;
    const dt = this.lastNow === undefined ? this.period : Math.min(this.period, Math.max(0, now - this.lastNow));
    this.lastNow = now;

    const gates = this.evaluateGates(inputs, problem, now);
    const closed = GATES.find((g) => !gates[g]);
    if (closed) {
      this.invalidate(now);
      this.allOpen = false;
      this.motion = 'gated';
      return this.stop(now, closed === 'estop' ? 'estopped' : closed);
    }
    if (!this.allOpen) {
      this.allOpen = true;
      this.emit('gate', 'gates_open', 'All safety gates are open. Motion needs a new command.', now);
    }

    const live = this.latest;
    if (!live || live.seq <= this.staleSeq || live.cmd.stamp < this.staleTime || live.from !== this.leaseHolder) {
      this.motion = 'no_command';
      return this.stop(now, 'no_command');
    }
    const age = now - live.cmd.stamp;
    // Bound the hold time by arrival too, so a command stamped in the future cannot outlive the deadman.
    if (age > this.limits.deadmanTimeout || now - live.receivedAt > this.limits.deadmanTimeout + this.period) {
      if (this.motion === 'moving') {
        this.emit('deadman', 'deadman_expired', `No command for ${age.toFixed(3)} s (deadman ${this.limits.deadmanTimeout} s): stopping. Send commands continuously to move.`, now);
      }
      this.motion = 'deadman';
      return this.stop(now, 'deadman');
    }

    this.motion = 'moving';
    const q = inputs.jointPositions.slice();
    const ctx: LimitContext = {
      limits: this.limits,
      jointLimits: this.arm.jointLimits,
      q,
      tcp: forwardKinematics(this.arm, q, this.toolOffset).position,
      J: jacobian(this.arm, q, this.toolOffset),
      tau: this.tau,
      period: this.period,
    };
    const { velocities, reports } = limitVelocity(live.cmd.velocities, this.previous, dt, ctx);
    if (!velocities.every(Number.isFinite)) {
      // Defensive: limits are finite arithmetic on validated inputs, but a NaN must never reach the arm.
      this.emit('gate', 'non_finite_output', `Limited command was not finite (${velocities.join(', ')}): stopping.`, now);
      this.invalidate(now);
      return this.stop(now, 'non_finite_output');
    }
    for (const r of reports) {
      this.emit('clamp', r.code, r.message, now, { joint: r.joint, requested: r.requested, allowed: r.allowed });
    }
    const limited = [...new Set(reports.map((r) => r.code))];
    if (live.cmd.gripper !== undefined) {
      const g = Math.min(1, Math.max(0, live.cmd.gripper));
      if (g !== live.cmd.gripper) {
        limited.push(CLAMP.gripperRange);
        this.emit('clamp', CLAMP.gripperRange, `Gripper target ${live.cmd.gripper} outside 0..1: using ${g}.`, now, { requested: live.cmd.gripper, allowed: g });
      }
      this.gripper = g;
    }
    this.previous = velocities;
    return this.output({ velocities: velocities.slice(), gripper: this.gripper, stamp: now, source: live.cmd.source, limited });
  }

  /** Latch an e-stop. Never refused. Zeros go out from the next tick; only `resetEstop` clears it. */
  estop(by: string, reason?: string): void {
    const time = this.lastNow ?? 0;
    const who = typeof by === 'string' && by !== '' ? by : 'unknown';
    if (!this.estopState) this.estopState = { by: who, reason, time };
    this.gates.estop = false;
    this.invalidate(time);
    this.previous = new Array<number>(this.joints).fill(0);
    this.events.emitAlways({ time, kind: 'estop', code: 'estop', message: `E-stop by ${who}${reason ? `: ${reason}` : ''}. Motion stopped until reset.` });
  }

  /** Clear a latched e-stop. Does not resume motion: a new command is needed. */
  resetEstop(by: string): void {
    const time = this.lastNow ?? 0;
    if (typeof by !== 'string' || by === '') {
      this.refuse(REFUSAL.badCaller, `E-stop reset refused: expected a non-empty client id, found ${JSON.stringify(by)}.`);
      return;
    }
    if (!this.estopState) return;
    const was = this.estopState;
    this.estopState = undefined;
    // Commands submitted from now on may move the arm once the next tick finds every gate open.
    this.gates.estop = true;
    this.invalidate(time);
    this.events.emitAlways({ time, kind: 'estop_reset', code: 'estop_reset', message: `E-stop (by ${was.by}) reset by ${by}. Send a new command to move.` });
  }

  status(): SafetyStatus {
    return {
      gates: { ...this.gates },
      estopped: this.estopped,
      estop: this.estopState ? { ...this.estopState } : undefined,
      motion: this.motion,
      leaseHolder: this.leaseHolder,
      safetyMode: this.safetyMode,
      lastOutput: { ...this.lastOutput, velocities: this.lastOutput.velocities.slice(), limited: this.lastOutput.limited.slice() },
      counts: this.events.counts(),
      limits: this.limits,
    };
  }

  private evaluateGates(inputs: SafetyInputs, problem: string | undefined, now: number): Record<GateName, boolean> {
    const g = { ...this.gates };
    g.estop = !this.estopState;
    g.inputs = problem === undefined;
    if (problem) {
      // Untrusted inputs: every input-derived gate is treated as closed too.
      g.connection = g.safetyMode = g.lease = false;
      this.transition(g, 'inputs', 'gate', 'bad_inputs', `Inputs rejected: ${problem}. Stopping.`, now);
      return this.commit(g);
    }
    this.transition(g, 'inputs', 'gate', 'bad_inputs', '', now);

    const age = now - inputs.jointStateStamp;
    g.connection = inputs.connected && Math.abs(age) <= this.limits.maxObservationAge;
    const why = !inputs.connected
      ? 'Robot disconnected: stopping.'
      : `Joint state is ${age.toFixed(3)} s old (allowed ±${this.limits.maxObservationAge} s): connection not fresh, stopping.`;
    this.transition(g, 'connection', 'gate', inputs.connected ? 'connection_stale' : 'disconnected', why, now);

    if (this.safetyMode !== undefined && inputs.safetyMode !== this.safetyMode) {
      // Any change, even between allowed modes, makes earlier commands stale.
      this.invalidate(now);
      this.emit('gate', 'safety_mode_changed', `Safety mode changed from ${safetyModeName(this.safetyMode)} to ${safetyModeName(inputs.safetyMode)}.`, now);
    }
    this.safetyMode = inputs.safetyMode;
    g.safetyMode = this.limits.allowedSafetyModes.includes(inputs.safetyMode);
    const allowed = this.limits.allowedSafetyModes.map(safetyModeName).join(' or ');
    this.transition(g, 'safetyMode', 'gate', 'safety_mode', `Safety mode is ${safetyModeName(inputs.safetyMode)}, expected ${allowed}: stopping. Clear it on the pendant.`, now);

    if (inputs.wrench) {
      const f = Math.hypot(...inputs.wrench.force);
      if (f > this.limits.maxForce) this.forceLatched = true;
      else if (f < this.limits.maxForce * this.limits.forceReleaseRatio) this.forceLatched = false;
      g.force = !this.forceLatched;
      this.transition(g, 'force', 'force_stop', 'force_limit', `Measured force ${f.toFixed(1)} N exceeds ${this.limits.maxForce} N: stopped until it falls below ${(this.limits.maxForce * this.limits.forceReleaseRatio).toFixed(1)} N and a new command arrives.`, now);
    } else {
      // No sensor reading this tick: keep the latch as it was (a latched stop never clears by silence).
      g.force = !this.forceLatched;
    }

    const holder = inputs.leaseHolder === '' ? undefined : inputs.leaseHolder;
    if (holder !== this.leaseHolder) {
      this.invalidate(now);
      if (holder !== undefined && this.leaseHolder !== undefined) {
        this.emit('gate', 'lease_changed', `Control lease moved from ${this.leaseHolder} to ${holder}: earlier commands discarded.`, now);
      }
    }
    this.leaseHolder = holder;
    g.lease = holder !== undefined;
    this.transition(g, 'lease', 'gate', 'no_lease', 'Nobody holds the control lease: stopping.', now);
    return this.commit(g);
  }

  /** Emit an event when a gate goes from open (or unknown at start) to closed; reopening is reported once for all gates. */
  private transition(g: Record<GateName, boolean>, gate: GateName, kind: SafetyEventKind, code: string, message: string, now: number): void {
    if (!g[gate] && (this.gates[gate] || !this.ticked)) this.emit(kind, code, message, now);
  }

  private commit(g: Record<GateName, boolean>): Record<GateName, boolean> {
    this.gates = g;
    this.ticked = true;
    return g;
  }

  /** Every command submitted so far, or stamped before `time`, may never move the arm. */
  private invalidate(time: number): void {
    this.staleSeq = this.seq;
    this.staleTime = time;
  }

  private stop(now: number, reason: string): OutputCommand {
    this.previous = new Array<number>(this.joints).fill(0);
    return this.output({ velocities: this.previous.slice(), gripper: this.gripper, stamp: now, stop: reason, limited: [] });
  }

  private output(out: OutputCommand): OutputCommand {
    if (out.gripper === undefined) delete out.gripper;
    this.lastOutput = out;
    return { ...out, velocities: out.velocities.slice(), limited: out.limited.slice() };
  }

  private refuse(code: string, message: string): SubmitResult {
    this.emit('refusal', code, message, this.lastNow ?? 0);
    return { accepted: false, code, message };
  }

  private emit(kind: SafetyEventKind, code: string, message: string, time: number, extra: Partial<SafetyEvent> = {}): void {
    const e: SafetyEvent = { time, kind, code, message };
    if (extra.joint !== undefined) e.joint = extra.joint;
    if (extra.requested !== undefined) e.requested = extra.requested;
    if (extra.allowed !== undefined) e.allowed = extra.allowed;
    this.events.emit(e);
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
