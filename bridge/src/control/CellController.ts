import type { CellCommand, CellConnection, ConnectionHealth, JointSample, WrenchSample } from '../cell/Cell.ts';
import { TypedEmitter } from '../cell/TypedEmitter.ts';
import type { ArmModel } from '../kinematics/index.ts';
import {
  CLAMP,
  SafetyLayer,
  UR_SAFETY_MODE,
  type CommandSource,
  type OutputCommand,
  type SafetyEvent,
  type SafetyLimits,
  type SafetyStatus,
  type SafetyInputs,
} from '../safety/index.ts';
import { CellClock } from './CellClock.ts';
import { type Twist, twistProblem, twistToJointVelocities } from './twistToJointVelocities.ts';

export interface CellControllerOptions {
  connection: CellConnection;
  /** Kinematic model of the connected arm (the profile adapter's `arm`). */
  arm: ArmModel;
  /** Safety limit overrides (the cell config's `safety:`); validated by the safety layer. */
  limits?: Partial<SafetyLimits>;
  /** TCP in the flange frame (m), for twist jogging and the TCP limits. Default: the flange. */
  toolOffset?: [number, number, number];
  /**
   * Wall-clock watchdog: no joint state and no tick for this many publish
   * periods means the cell went silent or the link died: zeros go out and
   * the connection gate closes until samples return. Default 2.
   */
  watchdogPeriods?: number;
  /** Monotonic wall clock in ms. Default `performance.now`. */
  wallClock?: () => number;
}

/** What the controller answers to every input. */
export interface ControlResult {
  accepted: boolean;
  code?: string;
  message?: string;
  /** Cell-clock stamp the command was given (the latest joint sample's, "cell now"). */
  stamp?: number;
}

/**
 * Why a tick ran: a joint sample crossed the tick grid (`sample`), a fresh
 * command went out early (`command`), a joint sample arrived while the
 * acceleration limit was ramping the output (`ramp`), an event needing an
 * immediate stop, or the watchdog.
 */
export type TickTrigger = 'sample' | 'command' | 'ramp' | 'lease' | 'estop' | 'safety_mode' | 'connection' | 'watchdog' | 'close';

/** The command handed to the cell (what the recorder records as the action). */
export interface ControlOutput extends OutputCommand {
  /** False when the connection dropped it (not connected). */
  sent: boolean;
  trigger: TickTrigger;
}

/** ms spent in each phase of the latest tick. */
export interface TickTiming {
  observe: number;
  safety: number;
  send: number;
  emit: number;
}

export interface ControllerEvents {
  output: (o: ControlOutput) => void;
  event: (e: SafetyEvent) => void;
  lease: (holder: string | undefined) => void;
}

/** Everything the UI shows about control, as data. */
export interface ControllerStatus {
  gates: SafetyStatus['gates'];
  motion: SafetyStatus['motion'];
  estopped: boolean;
  estop?: SafetyStatus['estop'];
  leaseHolder?: string;
  lastOutput?: ControlOutput;
  safetyMode: number;
  speedScaling: number;
  connection: ConnectionHealth;
  /** The cell clock (s) of the latest joint sample, on the controller's monotonic clock. */
  cellTime?: number;
  ticks: number;
  /** Times the cell's clock jumped back (sim reset, a new cell process) and was shifted to stay monotonic. */
  clockJumps: number;
  watchdog: { tripped: boolean; trips: number };
  timing?: TickTiming;
  limits: SafetyLimits;
  /** m, the tool point in the flange frame (absent: the flange). */
  toolOffset?: [number, number, number];
}

/**
 * Owns the safety layer and the control lease, and is the only code that
 * sends commands to the cell. Ticks on the cell's clock (see CellClock): a
 * tick runs when a joint sample crosses the next tick time (the fixed-rate
 * grid, which carries the deadman); a fresh command ticks early, on the
 * current sample — even one that already ticked, if the command changes an
 * output that did not change on it — or else on the next; while the
 * acceleration limit ramps the output, every sample ticks; stops (lease
 * change, e-stop, safety mode change, disconnect, watchdog) tick at once.
 * Two ticks on one joint sample only for stops and for that early command
 * (at most one early tick per period), and every tick is one call of the
 * safety layer.
 */
export class CellController {
  readonly safety: SafetyLayer;
  private readonly connection: CellConnection;
  private readonly arm: ArmModel;
  private readonly toolOffset?: [number, number, number];
  private readonly emitter = new TypedEmitter<ControllerEvents>();
  private readonly clock: CellClock;
  private readonly period: number;
  private readonly watchdogMs: number;
  private readonly wallClock: () => number;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly watchdog: ReturnType<typeof setInterval>;
  private holder?: string;
  private sample?: JointSample;
  private wrench?: WrenchSample;
  private safetyMode: number = UR_SAFETY_MODE.UNDEFINED_SAFETY_MODE;
  private speedScaling = 1;
  /** A command was accepted on a sample that had already ticked: tick on the next sample. */
  private commandTickPending = false;
  /** The latest output was held back by the acceleration limit: tick on every joint sample until it is not. */
  private ramping = false;
  /** A joint sample arrived since the connection (re)opened: until then the cell is not "fresh". */
  private freshSamples = false;
  private silent = false;
  private trips = 0;
  private lastLifeWall: number;
  private lastTickNow?: number;
  private ticks = 0;
  private lastOutput?: ControlOutput;
  /** The latest command the safety layer accepted (velocities, gripper), to tell a new command from a repeat. */
  private lastAccepted?: { velocities: number[]; gripper?: number };
  private timing?: TickTiming;
  /** Last gripper target the cell was sent on this connection: grippers are commanded on change only. */
  private gripperSent?: number;
  private closed = false;

  constructor(opts: CellControllerOptions) {
    this.connection = opts.connection;
    this.arm = opts.arm;
    this.toolOffset = opts.toolOffset;
    this.safety = new SafetyLayer({ arm: opts.arm, limits: opts.limits, toolOffset: opts.toolOffset, onEvent: (e) => this.emitter.emit('event', e) });
    this.period = 1 / this.safety.limits.publishRate;
    this.clock = new CellClock(this.period);
    this.wallClock = opts.wallClock ?? (() => performance.now());
    this.watchdogMs = (opts.watchdogPeriods ?? 2) * this.period * 1000;
    this.lastLifeWall = this.wallClock();
    const c = this.connection;
    // A connection that already heard the (latched) safety mode will not repeat it: start from what it knows.
    const known = (c as Partial<{ cellStatus(): { safetyMode: number; speedScaling: number } }>).cellStatus?.();
    if (known) (this.safetyMode = known.safetyMode), (this.speedScaling = known.speedScaling);
    this.unsubscribe.push(
      c.on('joints', (s) => this.onJoints(s)),
      c.on('wrench', (w) => (this.wrench = w)),
      c.on('status', (s) => {
        this.speedScaling = s.speedScaling;
        if (s.safetyMode === this.safetyMode) return;
        this.safetyMode = s.safetyMode;
        this.tick('safety_mode');
      }),
      c.on('health', (h) => this.onHealth(h)),
    );
    // Checked at the publish period; see `checkWatchdog` for why a stale reading is confirmed after I/O.
    this.watchdog = setInterval(() => this.checkWatchdog(), Math.max(1, this.period * 1000));
  }

  on<K extends keyof ControllerEvents>(event: K, listener: ControllerEvents[K]): () => void {
    return this.emitter.on(event, listener);
  }

  get leaseHolder(): string | undefined {
    return this.holder;
  }

  /** Take the control lease; refused while another client holds it. Earlier commands never move the arm. */
  acquireLease(clientId: string): ControlResult {
    if (typeof clientId !== 'string' || clientId === '') return { accepted: false, code: 'bad_caller', message: `expected a non-empty client id, found ${JSON.stringify(clientId)}` };
    if (this.holder === clientId) return { accepted: true };
    if (this.holder !== undefined) {
      return { accepted: false, code: 'lease_held', message: `The control lease is held by ${this.holder}; ask them to release it.` };
    }
    this.setHolder(clientId);
    return { accepted: true };
  }

  /** Give the lease back (the server also calls this when the holder disconnects): zeros go out at once. */
  releaseLease(clientId: string): ControlResult {
    if (this.holder !== clientId) {
      return { accepted: false, code: 'not_lease_holder', message: `${clientId} does not hold the control lease (${this.holder ?? 'nobody'} does).` };
    }
    this.setHolder(undefined);
    return { accepted: true };
  }

  /** Joint velocities (rad/s, jointNames order) from a person; with `gripper` (0 open … 1 closed) both move in one command. */
  jogJoints(clientId: string, velocities: number[], gripper?: number): ControlResult {
    return this.submit(clientId, 'teleop', velocities, gripper);
  }

  /** A TCP twist from a person, converted at the measured joint positions. */
  jogTwist(clientId: string, twist: Twist): ControlResult {
    const problem = twistProblem(twist);
    if (problem) return { accepted: false, code: 'malformed', message: `Twist from ${clientId} refused: ${problem}.` };
    if (!this.sample) return { accepted: false, code: 'no_joint_state', message: 'No joint state from the cell yet: cannot convert a twist. Wait for the connection.' };
    return this.submit(clientId, 'teleop', twistToJointVelocities(this.arm, this.sample.position, twist, this.toolOffset));
  }

  /** Gripper target 0 open … 1 closed. Sent with zero arm velocity: a gripper command ends the current jog. */
  setGripper(clientId: string, x: number): ControlResult {
    return this.submit(clientId, 'teleop', new Array<number>(this.arm.jointNames.length).fill(0), x);
  }

  /** A policy's action: joint velocities and optionally a gripper target. */
  submitPolicy(clientId: string, velocities: number[], gripper?: number): ControlResult {
    return this.submit(clientId, 'policy', velocities, gripper);
  }

  /** Latch an e-stop (never refused); zeros go out at once. */
  estop(by: string, reason?: string): ControlResult {
    this.safety.estop(by, reason);
    this.tick('estop');
    return { accepted: true };
  }

  /** Clear the e-stop. Motion needs a new command afterwards. */
  resetEstop(by: string): ControlResult {
    if (!this.safety.estopped) return { accepted: true, message: 'Not e-stopped: nothing to reset.' };
    this.safety.resetEstop(by);
    if (this.safety.estopped) return { accepted: false, code: 'bad_caller', message: `E-stop reset refused: expected a non-empty client id, found ${JSON.stringify(by)}.` };
    return { accepted: true };
  }

  status(): ControllerStatus {
    const s = this.safety.status();
    const out: ControllerStatus = {
      gates: s.gates,
      motion: s.motion,
      estopped: s.estopped,
      leaseHolder: this.holder,
      safetyMode: this.safetyMode,
      speedScaling: this.speedScaling,
      connection: this.connection.health(),
      ticks: this.ticks,
      clockJumps: this.clock.backwardJumps,
      watchdog: { tripped: this.silent, trips: this.trips },
      limits: s.limits,
    };
    if (this.toolOffset) out.toolOffset = [...this.toolOffset];
    if (s.estop) out.estop = s.estop;
    if (this.lastOutput) out.lastOutput = { ...this.lastOutput, velocities: this.lastOutput.velocities.slice() };
    if (this.clock.now !== undefined) out.cellTime = this.clock.now;
    if (this.timing) out.timing = { ...this.timing };
    return out;
  }

  /** Stop listening, send a last zero command, stop the watchdog. The connection stays open (its owner closes it). */
  close(): void {
    if (this.closed) return;
    this.holder = undefined;
    this.tick('close');
    this.closed = true;
    clearInterval(this.watchdog);
    for (const u of this.unsubscribe) u();
  }

  private submit(clientId: string, source: CommandSource, velocities: number[], gripper?: number): ControlResult {
    const stamp = this.clock.now ?? 0;
    const cmd = { kind: 'joint_velocity' as const, velocities, source, stamp, ...(gripper === undefined ? {} : { gripper }) };
    const result = this.safety.submit(cmd, clientId);
    // Latency: an accepted command goes out on the next joint sample at the latest, not the next grid point.
    if (result.accepted) {
      const before = this.lastAccepted;
      this.lastAccepted = { velocities: velocities.slice(), gripper };
      const early = this.clock.tickEarly(this.wouldStep(velocities, gripper, before));
      if (early.now) this.tick('command');
      else if (early.nextSample) this.commandTickPending = true;
    }
    return { ...result, stamp };
  }

  /**
   * Whether a tick now could send something new: the command differs from the
   * one before it (a client re-sending its command, like a policy every step,
   * changes nothing a tick would show) and from the last output, and the
   * output has not changed on the current joint sample (a second tick at the
   * same cell time would have no acceleration step left).
   */
  private wouldStep(velocities: number[], gripper: number | undefined, before: { velocities: number[]; gripper?: number } | undefined): boolean {
    const differs = (a: number[], b: number[]) => a.some((v, i) => v !== b[i]);
    if (before && gripper === before.gripper && !differs(velocities, before.velocities)) return false;
    const last = this.lastOutput;
    if (!last) return true;
    const changed = this.safety.lastChangeAt;
    if (changed !== undefined && this.clock.now !== undefined && changed >= this.clock.now) return false;
    return (gripper !== undefined && gripper !== last.gripper) || differs(velocities, last.velocities);
  }

  private setHolder(holder: string | undefined): void {
    this.holder = holder;
    this.emitter.emit('lease', holder);
    // Tell the layer now, so commands from the new holder are not refused until the next sample, and a release stops at once.
    this.tick('lease');
  }

  private onJoints(s: JointSample): void {
    const seen = this.clock.observe(s.stamp);
    this.sample = s;
    this.freshSamples = true;
    this.silent = false;
    this.lastLifeWall = this.wallClock();
    if (seen.tick) {
      this.commandTickPending = false;
      this.tick('sample');
      return;
    }
    if (this.commandTickPending) {
      this.commandTickPending = false;
      if (this.clock.tickEarly().now) return this.tick('command');
    }
    // Mid-ramp, every sample carries the next step (same safety function, its dt the time since the last tick).
    if (this.ramping && this.clock.tickOnSample()) this.tick('ramp');
  }

  private onHealth(h: ConnectionHealth): void {
    if (h.state === 'connected') {
      // A new session, maybe a new process with a new clock (CellClock copes); nothing from before may move it.
      this.freshSamples = false;
      this.lastLifeWall = this.wallClock();
      // The first thing the cell hears from us is zeros; the gripper is only sent when its target changes again.
      this.gripperSent = this.safety.status().lastOutput.gripper;
      this.tick('connection');
    } else {
      this.freshSamples = false;
      this.tick('connection');
    }
  }

  /**
   * Trip when no joint sample (so no sample tick) arrived for `watchdogPeriods`
   * periods of wall time; stop ticks (lease, e-stop) do not count as the cell
   * being alive. Samples that arrive but do not cross the tick grid do: a sim
   * running slower than real time is slow, not silent. A stale reading is confirmed after the event loop
   * has polled I/O (setImmediate runs after the poll phase): after a long GC
   * pause timers run first, and samples already waiting in the socket must
   * not count as silence.
   */
  private checkWatchdog(): void {
    if (this.silent || this.closed || this.wallClock() - this.lastLifeWall <= this.watchdogMs) return;
    setImmediate(() => {
      if (this.silent || this.closed || this.wallClock() - this.lastLifeWall <= this.watchdogMs) return;
      this.silent = true;
      this.trips++;
      this.tick('watchdog');
    });
  }

  /** One control cycle: observe → safety → send → emit, each phase timed. */
  private tick(trigger: TickTrigger): void {
    if (this.closed) return;
    const t0 = this.wallClock();

    // observe: the world on the cell's clock. Without a fresh sample the connection is not fresh.
    const now = Math.max(this.clock.now ?? 0, this.lastTickNow ?? 0);
    const q = this.sample?.position ?? new Array<number>(this.arm.jointNames.length).fill(0);
    const inputs: SafetyInputs = {
      now,
      jointPositions: q,
      jointVelocities: this.sample?.velocity ?? q.map(() => 0),
      jointStateStamp: this.clock.now ?? now,
      safetyMode: this.safetyMode,
      connected: this.connection.health().state === 'connected' && this.freshSamples && !this.silent && this.sample !== undefined,
    };
    if (this.wrench) inputs.wrench = { force: this.wrench.force, torque: this.wrench.torque };
    if (this.holder !== undefined) inputs.leaseHolder = this.holder;
    const t1 = this.wallClock();

    // safety: the one function every command passes.
    const out = this.safety.tick(inputs);
    this.lastTickNow = out.stamp;
    this.ramping = out.limited.includes(CLAMP.jointAcceleration);
    const t2 = this.wallClock();

    // send: zeros are always safe; the gripper only when its target changed on this connection.
    const cmd: CellCommand = { velocities: out.velocities };
    if (out.gripper !== undefined && out.gripper !== this.gripperSent) cmd.gripper = out.gripper;
    const sent = this.connection.send(cmd);
    if (sent && cmd.gripper !== undefined) this.gripperSent = cmd.gripper;
    this.ticks++;
    const t3 = this.wallClock();

    // emit: the command actually handed to the cell is the recorded action.
    const output: ControlOutput = { ...out, sent, trigger };
    this.lastOutput = output;
    this.emitter.emit('output', output);
    const t4 = this.wallClock();
    this.timing = { observe: t1 - t0, safety: t2 - t1, send: t3 - t2, emit: t4 - t3 };
  }
}
