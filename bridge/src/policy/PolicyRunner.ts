/**
 * Runs a trained policy on the connected cell, through the safety layer.
 *
 * Contract (what integrators rely on):
 * - every command goes through `control.submitPolicy` under the runner's own
 *   client id, so it passes the same gates, limits and deadman as a person's;
 *   the runner never talks to the cell connection's `send`;
 * - it steps at the bundle's rate on the cell's clock (joint-state stamps
 *   crossing 1/rate, as the controller ticks), and re-offers the current
 *   action between steps so the deadman only fires when the runner stops;
 * - it stops for good on an e-stop, losing the lease, a safety stop, a stale
 *   observation (older than two periods), a non-finite output, or `stop()`;
 *   a stopped runner needs a new `start()`;
 * - shadow predicts and reports, never commands; supervised hands control
 *   to any operator who jogs (`takeover`), at once.
 */
import type { CameraFrame, JointSample, WrenchSample } from '../cell/Cell.ts';
import { TypedEmitter } from '../cell/TypedEmitter.ts';
import { CellClock } from '../control/CellClock.ts';
import type { PolicyIntervention, PolicyProblem } from '../protocol/ServerMessage.ts';
import type { OutputCommand } from '../safety/JointVelocityCommand.ts';
import type { SafetyEvent } from '../safety/SafetyEvent.ts';
import { jpegToRgb } from './cameraImage.ts';
import { LatencyStats } from './LatencyStats.ts';
import type { LoadedPolicy } from './loadPolicy.ts';
import { PolicyError, problem } from './PolicyError.ts';

import type { PolicyControl, PolicyMode, PolicyRunnerEvents, PolicyRunnerOptions, PolicyStartOptions, PolicyStatus } from './PolicyRunnerTypes.ts';

export type { InterventionSink, PolicyControl, PolicyMode, PolicyRunnerEvents, PolicyRunnerOptions, PolicyStartOptions, PolicyStatus, PolicyStep } from './PolicyRunnerTypes.ts';

const MAX_INTERVENTIONS_KEPT = 20;
/** Safety events that mean "motion stopped" (the runner stops with them); opening gates and lease moves are not. */
const IGNORED_GATE_CODES = new Set(['gates_open', 'lease_changed', 'no_lease']);

export class PolicyRunner {
  readonly clientId: string;
  private readonly opts: PolicyRunnerOptions;
  private readonly emitter = new TypedEmitter<PolicyRunnerEvents>();
  private readonly wallClock: () => number;
  private readonly latency = new LatencyStats();
  private policy?: LoadedPolicy;
  private state: PolicyStatus['state'] = 'idle';
  private mode?: PolicyMode;
  private speedScale = 1;
  private stepClock?: CellClock;
  private holdClock?: CellClock;
  private joints?: JointSample;
  private wrench?: WrenchSample;
  private frames = new Map<string, CameraFrame>();
  private stateBuf = new Float32Array(0);
  private steps = 0;
  private lastStepAt?: number;
  private lastStepStamp?: number;
  /** Stamp of the first joint sample after start: inputs may still be arriving for two periods after it. */
  private firstStamp?: number;
  private predicted?: number[];
  /** ms per phase of the latest step. */
  private phases?: { observe: number; infer: number; act: number };
  private commanded?: { velocities: number[]; gripper?: number };
  private executed?: OutputCommand;
  private interventions: PolicyIntervention[] = [];
  private interventionCount = 0;
  private stopReason?: PolicyProblem;
  private problems: PolicyProblem[] = [];
  /** The takeover in progress (supervised). */
  private active?: { intervention: PolicyIntervention; clientId: string };
  private unsubscribe: (() => void)[] = [];
  private readonly cellOff: (() => void)[] = [];

  constructor(opts: PolicyRunnerOptions) {
    this.opts = opts;
    this.clientId = opts.clientId ?? 'policy';
    this.wallClock = opts.wallClock ?? (() => performance.now());
    // The latest samples are always kept, so the first step after a start has a full observation.
    const cell = opts.cell;
    this.cellOff.push(
      cell.on('joints', (s) => this.onJoints(s)),
      cell.on('wrench', (w) => (this.wrench = w)),
      cell.on('camera', (f) => this.frames.set(f.camera, f)),
    );
  }

  on<K extends keyof PolicyRunnerEvents>(event: K, listener: PolicyRunnerEvents[K]): () => void {
    return this.emitter.on(event, listener);
  }

  get running(): boolean {
    return this.state === 'running' || this.state === 'intervened' || this.state === 'paused';
  }

  get loaded(): LoadedPolicy | undefined {
    return this.policy;
  }

  /** Use `policy` for the next start (see `loadPolicy`, which checks it fits the cell). Refused while running. */
  use(policy: LoadedPolicy): void {
    if (this.running) throw new PolicyError(problem('running', `expected no policy running to load '${policy.name}', found '${this.policy?.name}' ${this.state}`, 'stop the running policy first'));
    if (this.policy && this.policy !== policy) this.policy.predictor.dispose();
    this.policy = policy;
    this.state = 'idle';
    this.stopReason = undefined;
    this.problems = [];
    this.emitChange();
  }

  /** Start stepping the loaded policy. Throws a `PolicyError` when it cannot start (nothing moves then). */
  start(opts: PolicyStartOptions): void {
    const policy = this.policy;
    if (!policy) throw new PolicyError(problem('no_policy', 'expected a loaded policy, found none', 'load a policy bundle first'));
    if (this.running) throw new PolicyError(problem('running', `expected no policy running, found '${policy.name}' ${this.state}`, 'stop it first'));
    if (!['shadow', 'supervised', 'autonomous'].includes(opts.mode)) {
      throw new PolicyError(problem('bad_mode', `expected mode shadow, supervised or autonomous, found ${JSON.stringify(opts.mode)}`, 'pick a mode'));
    }
    if (!(opts.speedScale > 0 && opts.speedScale <= 1)) {
      throw new PolicyError(problem('bad_speed_scale', `expected speedScale in (0, 1], found ${opts.speedScale}`, 'start slow (0.25) and raise it while watching'));
    }
    const control = this.opts.control;
    if (opts.mode !== 'shadow') {
      if (control.status().estopped) throw new PolicyError(problem('estopped', 'expected the e-stop released, found it latched', 'reset the e-stop, then start the policy'));
      this.takeLease(opts.by);
    }
    this.mode = opts.mode;
    this.speedScale = opts.speedScale;
    this.reset();
    this.state = 'running';
    this.subscribe();
    this.opts.log?.('info', `policy '${policy.name}' started ${opts.mode} at speed ×${opts.speedScale}${opts.by ? ` by ${opts.by}` : ''}`);
    this.emitChange();
  }

  /** Stop (any state). The lease goes back to free; zeros go out from the controller at once. */
  stop(reason: PolicyProblem = problem('stopped', 'stopped on request', 'start it again when ready', 'info')): void {
    if (!this.running) return;
    const wasIntervened = this.state === 'intervened';
    this.state = 'stopped';
    this.stopReason = reason;
    for (const u of this.unsubscribe.splice(0)) u();
    if (this.opts.control.leaseHolder === this.clientId) this.opts.control.releaseLease(this.clientId);
    if (wasIntervened) this.endIntervention();
    this.opts.log?.(reason.severity === 'info' ? 'info' : 'warn', `policy '${this.policy?.name}' stopped: ${reason.message}`);
    this.emitChange();
  }

  /**
   * An operator jogs: in supervised mode, they take over at once — the runner
   * stops commanding, the lease moves to them, and the takeover is an
   * intervention (recorded when a sink is set). True when control moved.
   */
  takeover(clientId: string, by = clientId): boolean {
    if (this.mode !== 'supervised' || this.state !== 'running' || clientId === this.clientId) return false;
    this.state = 'intervened';
    // Stop offering commands before the lease moves, so nothing of ours is in flight for the new holder.
    this.commanded = undefined;
    if (this.opts.control.leaseHolder === this.clientId) this.opts.control.releaseLease(this.clientId);
    const r = this.opts.control.acquireLease(clientId);
    if (!r.accepted) this.opts.log?.('warn', `takeover by ${by}: lease refused (${r.code}: ${r.message})`);
    const intervention: PolicyIntervention = { by, start: this.cellNow() };
    this.interventions.push(intervention);
    if (this.interventions.length > MAX_INTERVENTIONS_KEPT) this.interventions.shift();
    this.interventionCount++;
    this.active = { intervention, clientId };
    const sink = this.opts.interventions;
    if (sink && this.policy) {
      sink.begin({ policy: this.policy.name, by, start: intervention.start }).then(
        (episode) => {
          if (episode) intervention.episode = episode;
          this.emitChange();
        },
        (err: Error) => this.addProblem(problem('intervention_not_recorded', `the takeover by ${by} could not be recorded: ${err.message}`, 'check the data folder; the intervention is still logged here', 'warning')),
      );
    }
    this.opts.log?.('info', `policy '${this.policy?.name}': ${by} took over`);
    this.emitChange();
    return true;
  }

  /** After a takeover ended (state `paused`): take the lease back and continue. */
  resume(by?: string): void {
    if (this.state !== 'paused') {
      throw new PolicyError(problem('not_paused', `expected a paused policy (after an operator handed back), found ${this.state}`, 'resume works after a takeover in supervised mode'));
    }
    this.takeLease(by);
    this.reset();
    this.state = 'running';
    this.emitChange();
  }

  status(): PolicyStatus {
    const s: PolicyStatus = {
      state: this.state,
      steps: this.steps,
      interventionCount: this.interventionCount,
      interventions: this.interventions.map((i) => ({ ...i })),
      problems: this.problems.slice(),
    };
    const p = this.policy;
    if (p) Object.assign(s, { policy: p.name, rate: p.rate, actionNames: p.actionNames });
    if (this.mode) Object.assign(s, { mode: this.mode, speedScale: this.speedScale });
    if (this.lastStepAt !== undefined) s.lastStepAt = this.lastStepAt;
    const latency = this.latency.summary();
    if (latency) s.latencyMs = latency;
    if (this.phases) s.phasesMs = { ...this.phases };
    if (this.predicted) s.predicted = this.predicted.slice();
    if (this.commanded) s.commanded = { ...this.commanded, velocities: this.commanded.velocities.slice() };
    const e = this.executed;
    if (e) s.executed = { velocities: e.velocities.slice(), limited: e.limited.slice(), ...(e.gripper === undefined ? {} : { gripper: e.gripper }), ...(e.source ? { source: e.source } : {}), ...(e.stop ? { stop: e.stop } : {}) };
    if (this.stopReason) s.stopReason = { ...this.stopReason };
    return s;
  }

  /** Stop, stop listening to the cell, and free the model. */
  dispose(): void {
    this.stop(problem('closed', 'the bridge is shutting down', 'start it again after the restart', 'info'));
    for (const off of this.cellOff.splice(0)) off();
    this.policy?.predictor.dispose();
    this.policy = undefined;
  }


  private takeLease(by: string | undefined): void {
    const control = this.opts.control;
    const holder = control.leaseHolder;
    if (holder !== undefined && holder !== this.clientId) {
      if (holder !== by) {
        throw new PolicyError(problem('lease_held', `expected the control lease free or held by the client starting the policy, found it held by ${holder}`, 'ask them to release the lease, or start in shadow mode'));
      }
      // The starter hands the lease to the runner: one lease, one driver.
      control.releaseLease(holder);
    }
    const r = control.acquireLease(this.clientId);
    if (!r.accepted) throw new PolicyError(problem(r.code ?? 'lease_refused', `expected to take the control lease, found it refused: ${r.message ?? r.code}`, 'release the lease and try again'));
  }

  private reset(): void {
    const p = this.policy!;
    p.predictor.reset();
    const period = 1 / p.rate;
    this.stepClock = new CellClock(period);
    // Re-offer the action well inside the deadman, so it expires only when the runner stops.
    this.holdClock = new CellClock(this.opts.control.status().limits.deadmanTimeout / 4);
    this.stateBuf = new Float32Array(p.stateNames.length);
    this.steps = 0;
    this.lastStepAt = undefined;
    this.lastStepStamp = undefined;
    this.firstStamp = undefined;
    this.predicted = undefined;
    this.phases = undefined;
    this.commanded = undefined;
    this.stopReason = undefined;
    this.problems = [];
    this.latency.reset();
  }

  private subscribe(): void {
    const { control } = this.opts;
    this.unsubscribe.push(
      control.on('output', (o) => (this.executed = o)),
      control.on('event', (e) => this.onSafetyEvent(e)),
      control.on('lease', (holder) => this.onLease(holder)),
    );
  }

  private onJoints(s: JointSample): void {
    this.joints = s;
    if (this.state !== 'running') return;
    const t = this.stepClock!.observe(s.stamp);
    const hold = this.holdClock!.observe(s.stamp);
    if (t.tick) this.step(t.time);
    else if (hold.tick && this.commanded && this.state === 'running') this.submit(this.commanded);
  }

  /** One policy step: observe → infer → check → act → report; observe, infer and act timed (wall ms). */
  private step(now: number): void {
    const p = this.policy!;
    const period = 1 / p.rate;
    const stamp = this.joints!.stamp;
    this.firstStamp ??= stamp;
    // Just started: a camera or wrench stream may not have delivered yet — wait (no command) up to two periods.
    const warmingUp = this.steps === 0 && stamp - this.firstStamp <= 2 * period;

    // observe: the latest samples, each no older than two periods on the cell's clock.
    if (this.lastStepStamp !== undefined && stamp - this.lastStepStamp > 2 * period) {
      return this.stop(problem('stale_observation', `expected joint states every ${period.toFixed(3)} s or faster, found a gap of ${(stamp - this.lastStepStamp).toFixed(3)} s`, 'check the cell connection and the bridge load'));
    }
    if (p.adapter.usesWrench && !(this.wrench && stamp - this.wrench.stamp <= 2 * period)) {
      if (warmingUp) return;
      return this.stop(problem('stale_observation', `expected a wrench sample at most ${(2 * period).toFixed(3)} s old, found ${this.wrench ? `${(stamp - this.wrench.stamp).toFixed(3)} s` : 'none'}`, 'check the force/torque sensor stream'));
    }
    const t0 = this.wallClock();
    p.adapter.observe({ joints: this.joints, wrench: this.wrench }, this.stateBuf);
    const images = this.images(stamp, period, warmingUp);
    if (images === undefined) return;
    const t1 = this.wallClock();
    if (!this.stateBuf.every(Number.isFinite)) {
      return this.stop(problem('bad_observation', `expected finite inputs [${p.stateNames.join(', ')}], found [${Array.from(this.stateBuf).join(', ')}]`, 'check that the cell publishes every joint, the gripper and the wrench the policy needs'));
    }

    // infer
    let action: Float32Array;
    try {
      // Twist chunk policies track their plan against where the tool is (PolicyRuntime trackGain).
      const tcpPosition = p.adapter.tcpPosition(this.joints);
      action = p.predictor.predict({ state: this.stateBuf, ...(images ? { images } : {}), ...(tcpPosition ? { tcpPosition, speedScale: this.speedScale } : {}) });
    } catch (err) {
      return this.stop(problem('inference_failed', `the policy failed to predict: ${(err as Error).message}`, 'check the bundle fits this cell (policy.json)'));
    }
    const t2 = this.wallClock();
    const latencyMs = t2 - t0;
    this.latency.add(latencyMs);
    this.steps++;
    this.lastStepAt = now;
    this.lastStepStamp = stamp;
    this.predicted = Array.from(action);

    // check: a NaN must never become a command.
    if (!this.predicted.every(Number.isFinite)) {
      return this.stop(problem('non_finite_output', `expected finite actions, found [${this.predicted.join(', ')}] at step ${this.steps}`, 'the model or its normalization is broken: retrain or re-export the bundle'));
    }

    // act: through the safety layer, scaled; shadow only reports.
    if (this.mode !== 'shadow') {
      this.commanded = p.adapter.command(action, this.speedScale, this.joints);
      if (!this.commanded.velocities.every(Number.isFinite)) {
        return this.stop(problem('non_finite_output', `expected finite joint velocities, found [${this.commanded.velocities.join(', ')}] at step ${this.steps}`, 'the joint states the policy tracks from are incomplete: check the cell publishes every joint'));
      }
      if (!this.submit(this.commanded)) return;
    }
    this.phases = { observe: t1 - t0, infer: t2 - t1, act: this.wallClock() - t2 };

    // report
    this.emitter.emit('step', { index: this.steps, time: now, latencyMs, predicted: this.predicted, ...(this.commanded ? { commanded: this.commanded } : {}) });
  }

  /** Offer a command; a refusal stops the runner (the layer said no: e-stop, lease, a closed gate). */
  private submit(cmd: { velocities: number[]; gripper?: number }): boolean {
    const r = this.opts.control.submitPolicy(this.clientId, cmd.velocities, cmd.gripper);
    if (r.accepted) return true;
    const code = r.code === 'estopped' ? 'estop' : r.code === 'not_lease_holder' || r.code === 'no_lease' ? 'lease_lost' : 'safety_refused';
    this.stop(problem(code, `the safety layer refused the policy's command: ${r.message ?? r.code}`, 'see the safety events; fix the cause, then start again'));
    return false;
  }

  /** Camera inputs decoded and resized; null when the policy uses none; undefined when a frame is missing (stopped, or waiting while warming up). */
  private images(stamp: number, period: number, warmingUp: boolean): Record<string, Uint8Array> | null | undefined {
    const cams = this.policy!.cameras;
    if (cams.length === 0) return null;
    const out: Record<string, Uint8Array> = {};
    for (const cam of cams) {
      const f = this.frames.get(cam.name);
      if (!f || stamp - f.stamp > 2 * period) {
        if (warmingUp) return undefined;
        this.stop(problem('stale_observation', `expected a '${cam.name}' frame at most ${(2 * period).toFixed(3)} s old, found ${f ? `${(stamp - f.stamp).toFixed(3)} s` : 'none'}`, `check camera '${cam.name}'`));
        return undefined;
      }
      out[cam.name] = jpegToRgb(f.data, cam.shape[0], cam.shape[1]);
    }
    return out;
  }

  private onSafetyEvent(e: SafetyEvent): void {
    if (!this.running) return;
    if (e.kind === 'estop') return this.stop(problem('estop', `e-stop: ${e.message}`, 'reset the e-stop, then start the policy again'));
    // Stops that concern whoever drives: while an operator has taken over, theirs to handle — except the e-stop above.
    if (this.state !== 'running' || this.mode === 'shadow') return;
    const stops = e.kind === 'force_stop' || e.kind === 'deadman' || (e.kind === 'gate' && !IGNORED_GATE_CODES.has(e.code));
    if (stops) this.stop(problem(`safety_${e.code}`, `safety stop: ${e.message}`, 'fix the cause the safety layer names, then start the policy again'));
  }

  private onLease(holder: string | undefined): void {
    if (this.state === 'intervened' && this.active && holder !== this.active.clientId) {
      // The operator handed back (released the lease, or disconnected): the intervention ends, the policy waits for resume.
      this.endIntervention();
      this.state = 'paused';
      this.emitChange();
      return;
    }
    if (this.state === 'running' && this.mode !== 'shadow' && holder !== this.clientId) {
      this.stop(problem('lease_lost', `expected the runner to hold the control lease, found ${holder ?? 'nobody'} holding it`, 'start the policy again to give it the lease'));
    }
  }

  private endIntervention(): void {
    const a = this.active;
    if (!a) return;
    this.active = undefined;
    a.intervention.end = this.cellNow();
    if (this.opts.interventions && this.policy) {
      const { by, start, end } = a.intervention;
      this.opts.interventions.end({ policy: this.policy.name, by, start, end: end! }).catch((err: Error) =>
        this.addProblem(problem('intervention_not_recorded', `the takeover by ${by} could not be closed: ${err.message}`, 'check the data folder', 'warning')),
      );
    }
    this.opts.log?.('info', `policy '${this.policy?.name}': ${a.intervention.by} handed back`);
  }

  private cellNow(): number {
    return this.joints?.stamp ?? Date.now() / 1000;
  }

  private addProblem(p: PolicyProblem): void {
    this.problems.push(p);
    this.emitChange();
  }

  private emitChange(): void {
    this.emitter.emit('change', this.status());
  }
}
