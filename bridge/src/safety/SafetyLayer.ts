import { forwardKinematics, jacobian, type ArmModel } from '../kinematics/index.ts';
import { EventThrottle } from './EventThrottle.ts';
import { commandProblem, type JointVelocityCommand, type OutputCommand } from './JointVelocityCommand.ts';
import { limitVelocity, linear, type LimitContext } from './limitVelocity.ts';
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

/** Over `maxForce ×` this, a force stop cannot be backed off with teleop (only freedrive frees the arm). */
export const FORCE_RECOVERY_CEILING = 1.5;

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
  /**
   * While the force gate is closed: backing off is measured against `reference`
   * (the lowest force since the stop, or since the last time backing off went
   * the wrong way). Undefined while the gate is open.
   */
  private recovery?: { reference: number; announced: boolean; into?: [number, number, number] };
  /** False until the first tick: gates closed at start are reported once. */
  private ticked = false;
  private previous: number[];
  private gripper?: number;
  private lastOutput: OutputCommand;
  /** `now` of the last output whose velocities differed from the output before it (the acceleration step's start). */
  private lastChange?: number;

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

  /** `now` of the last output whose velocities differed from the one before (undefined: none yet): the acceleration step's start. */
  get lastChangeAt(): number | undefined {
    return this.lastChange;
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
    if (closed.length > 0 && !(this.recoveryAllowed(closed) && cmd.source === 'teleop')) {
      const backOff = this.recoveryAllowed(closed) ? ' (during a force stop only teleop may back the arm off, slowly)' : '';
      return this.refuse(REFUSAL.gateClosed, `Command from ${from} refused: not allowed to move (${closed.join(', ')})${backOff}.`);
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
    // The acceleration step: time since the output last changed, at most one period. Not the time since the last
    // tick: a tick that re-sends an unchanged output does not use up the ramp (see README "acceleration").
    const dt = this.lastChange === undefined ? this.period : Math.min(this.period, Math.max(0, now - this.lastChange));
    this.lastNow = now;

    const wasForceOpen = this.gates.force;
    const gates = this.evaluateGates(inputs, problem, now);
    const closedGates = GATES.filter((g) => !gates[g]);
    const closed = closedGates[0];
    if (closed && this.recoveryAllowed(closedGates)) return this.recover(inputs, now, dt, wasForceOpen);
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
    const state = this.commandState(live, now);
    if (state === 'none') {
      this.motion = 'no_command';
      return this.stop(now, 'no_command');
    }
    if (state === 'expired') {
      const age = now - live!.cmd.stamp;
      if (this.motion === 'moving') {
        this.emit('deadman', 'deadman_expired', `No command for ${age.toFixed(3)} s (deadman ${this.limits.deadmanTimeout} s): stopping. Send commands continuously to move.`, now);
      }
      this.motion = 'deadman';
      return this.stop(now, 'deadman');
    }

    this.motion = 'moving';
    return this.move(live!, inputs, now, dt, this.limits);
  }

  /**
   * Whether `live` may move the arm now: 'none' when there is none, it is
   * stale (from before a stop) or not the lease holder's; 'expired' past the
   * deadman — bounded by arrival too, so a command stamped in the future
   * cannot outlive it; else 'live'.
   */
  private commandState(live: Accepted | undefined, now: number): 'none' | 'expired' | 'live' {
    if (!live || live.seq <= this.staleSeq || live.cmd.stamp < this.staleTime || live.from !== this.leaseHolder) return 'none';
    const expired = now - live.cmd.stamp > this.limits.deadmanTimeout || now - live.receivedAt > this.limits.deadmanTimeout + this.period;
    return expired ? 'expired' : 'live';
  }

  /** Whether, with exactly these gates closed, a person may back the arm off a contact. */
  private recoveryAllowed(closed: GateName[]): boolean {
    return closed.length === 1 && closed[0] === 'force' && this.limits.forceRecoverySpeed > 0 && this.recovery !== undefined;
  }

  /**
   * A force stop holds, every other gate is open: zeros, unless a person backs
   * the arm off — a teleop command submitted after the stop, moved at most at
   * `forceRecoverySpeed` with every other limit as usual. If the force rises
   * `forceRecoveryRise` above its lowest since the stop (moving into the
   * contact, not away), that command and all before it are void.
   */
  private recover(inputs: SafetyInputs, now: number, dt: number, wasForceOpen: boolean): OutputCommand {
    this.allOpen = false;
    this.motion = 'gated';
    const rec = this.recovery!;
    if (wasForceOpen) this.invalidate(now); // what was commanded into the contact never moves again
    const f = inputs.wrench ? Math.hypot(...inputs.wrench.force) : rec.reference;
    const ceiling = this.limits.maxForce * FORCE_RECOVERY_CEILING;
    if (f > ceiling) {
      this.invalidate(now);
      this.emit('force_stop', 'force_recovery_refused', `Force ${f.toFixed(1)} N is over ${ceiling.toFixed(0)} N: too much to back off under control. Free the arm in freedrive on the pendant.`, now);
      return this.stop(now, 'force');
    }
    if (f > rec.reference + this.limits.forceRecoveryRise) {
      this.invalidate(now);
      this.emit('force_stop', 'force_recovery_stopped', `Backing off raised the force to ${f.toFixed(1)} N (lowest since the stop ${rec.reference.toFixed(1)} N): stopped. Move the other way.`, now);
      rec.reference = f;
      rec.announced = false;
    }
    rec.reference = Math.min(rec.reference, f);
    const live = this.commandState(this.latest, now) === 'live' ? this.latest : undefined;
    if (!live || live.cmd.source !== 'teleop') return this.stop(now, 'force');
    if (!rec.announced) {
      rec.announced = true;
      const stopAt = (rec.reference + this.limits.forceRecoveryRise).toFixed(1);
      this.emit('force_stop', 'force_recovery', `Backing off under a force stop: TCP at most ${(this.limits.forceRecoverySpeed * 1000).toFixed(0)} mm/s; stops if the force rises above ${stopAt} N.`, now);
    }
    // Not further the way the arm was going when the force stopped it: a jog button still held is not backing off.
    const into = rec.into;
    if (into) {
      const v = this.tcpDirection(inputs.jointPositions, live.cmd.velocities, false);
      const along = v ? v[0] * into[0] + v[1] * into[1] + v[2] * into[2] : 0;
      if (v && along > 0.1 * Math.hypot(...v)) {
        this.emit('force_stop', 'force_recovery_direction', 'Backing off refused: that command moves on in the direction the force stop interrupted. Jog away from the contact.', now);
        return this.stop(now, 'force');
      }
    }
    const limits = { ...this.limits, maxTcpSpeed: Math.min(this.limits.maxTcpSpeed, this.limits.forceRecoverySpeed) };
    return this.move(live, inputs, now, dt, limits, ['force_recovery']);
  }

  /** TCP linear velocity of joint velocities `qd` at `q` (unit length if `unit`), or undefined when it is ~0. */
  private tcpDirection(q: number[], qd: number[], unit = true): [number, number, number] | undefined {
    const v = linear(jacobian(this.arm, q, this.toolOffset), qd);
    const n = Math.hypot(...v);
    if (!(n > 1e-6)) return undefined;
    return unit ? [v[0] / n, v[1] / n, v[2] / n] : v;
  }

  /** The latest command, limited: what goes out this tick while moving. */
  private move(live: Accepted, inputs: SafetyInputs, now: number, dt: number, limits: SafetyLimits, extraLimited: string[] = []): OutputCommand {
    const q = inputs.jointPositions.slice();
    const ctx: LimitContext = {
      limits,
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
    return this.output({ velocities: velocities.slice(), gripper: this.gripper, stamp: now, source: live.cmd.source, limited: [...limited, ...extraLimited] });
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
      else if (f < this.limits.maxForce * this.limits.forceReleaseRatio) {
        // Released: whatever was backing off stops; moving on needs a command from now, at full limits.
        if (this.forceLatched && this.recovery) this.invalidate(now);
        this.forceLatched = false;
      }
      if (!this.forceLatched) this.recovery = undefined;
      else this.recovery ??= { reference: f, announced: false, into: this.tcpDirection(inputs.jointPositions, this.previous) };
      g.force = !this.forceLatched;
      this.transition(g, 'force', 'force_stop', 'force_limit', `Measured force ${f.toFixed(1)} N exceeds ${this.limits.maxForce} N: stopped until it falls below ${(this.limits.maxForce * this.limits.forceReleaseRatio).toFixed(1)} N and a new command arrives.${this.limits.forceRecoverySpeed > 0 ? ` Teleop may back the arm off at up to ${(this.limits.forceRecoverySpeed * 1000).toFixed(0)} mm/s.` : ''}`, now);
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
    const before = this.lastOutput.velocities;
    if (out.velocities.some((v, i) => v !== before[i])) this.lastChange = out.stamp;
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
