/**
 * An in-memory `ControlPort` with the real controller's lease and e-stop
 * semantics (one holder; jogs from others refused; e-stop refuses motion
 * until reset) and a log of every call, for server tests.
 */
import type { OutputCommand } from '../../safety/JointVelocityCommand.ts';
import type { SafetyEvent } from '../../safety/SafetyEvent.ts';
import type { ControlEvents, ControlPort, ControlResult, ControlStatus, Twist } from '../ControlPort.ts';
import type { CellConnection } from '../../cell/Cell.ts';

export type FakeControlCall =
  | { op: 'acquireLease' | 'releaseLease'; clientId: string }
  | { op: 'jogJoints'; clientId: string; velocities: number[] }
  | { op: 'jogTwist'; clientId: string; twist: Twist }
  | { op: 'setGripper'; clientId: string; position: number }
  | { op: 'estop'; by: string; reason: string }
  | { op: 'resetEstop'; by: string };

type Listeners = { [K in keyof ControlEvents]: Set<ControlEvents[K]> };

export class FakeControlPort implements ControlPort {
  readonly limits: ControlStatus['limits'] = {
    maxJointVelocity: [1, 1, 1, 1, 1, 1],
    maxTcpSpeed: 0.25,
    deadmanTimeout: 0.1,
    workspace: { min: [-0.8, -0.8, 0.05], max: [0.8, 0.8, 0.9] },
  };
  readonly calls: FakeControlCall[] = [];
  leaseHolder: string | undefined;
  estopInfo: { by: string; reason?: string; time: number } | undefined;
  estopped = false;
  lastOutput: OutputCommand | undefined;
  private readonly listeners: Listeners = { output: new Set(), event: new Set(), lease: new Set() };

  constructor(private readonly cell: CellConnection) {}

  acquireLease(clientId: string): ControlResult {
    this.calls.push({ op: 'acquireLease', clientId });
    if (this.leaseHolder !== undefined && this.leaseHolder !== clientId) return { accepted: false, code: 'lease_held', message: `held by ${this.leaseHolder}` };
    this.setHolder(clientId);
    return { accepted: true };
  }

  releaseLease(clientId: string): ControlResult {
    this.calls.push({ op: 'releaseLease', clientId });
    if (this.leaseHolder !== clientId) return { accepted: false, code: 'not_lease_holder', message: `held by ${this.leaseHolder}` };
    this.setHolder(undefined);
    // The real controller sends zero velocity when the lease goes.
    this.output({ velocities: [0, 0, 0, 0, 0, 0], stamp: Date.now() / 1000, stop: 'no_lease', limited: [] });
    return { accepted: true };
  }

  jogJoints(clientId: string, velocities: number[]): ControlResult {
    this.calls.push({ op: 'jogJoints', clientId, velocities });
    return this.motion(clientId, () => this.output({ velocities, stamp: Date.now() / 1000, source: 'teleop', limited: [] }));
  }

  jogTwist(clientId: string, twist: Twist): ControlResult {
    this.calls.push({ op: 'jogTwist', clientId, twist });
    return this.motion(clientId, () => {});
  }

  setGripper(clientId: string, position: number): ControlResult {
    this.calls.push({ op: 'setGripper', clientId, position });
    return this.motion(clientId, () => {});
  }

  estop(by: string, reason = ''): ControlResult {
    this.calls.push({ op: 'estop', by, reason });
    this.estopped = true;
    this.estopInfo = { by, reason, time: Date.now() / 1000 };
    this.event({ time: Date.now() / 1000, kind: 'estop', code: 'estop', message: `e-stop by ${by}: ${reason}` });
    return { accepted: true };
  }

  resetEstop(by: string): ControlResult {
    this.calls.push({ op: 'resetEstop', by });
    this.estopped = false;
    this.estopInfo = undefined;
    this.event({ time: Date.now() / 1000, kind: 'estop_reset', code: 'estop_reset', message: `reset by ${by}` });
    return { accepted: true };
  }

  status(): ControlStatus {
    const s: ControlStatus = {
      estopped: this.estopped,
      gates: { estop: !this.estopped, connection: this.cell.health().state === 'connected', lease: this.leaseHolder !== undefined },
      motion: 'no_command',
      safetyMode: 1,
      speedScaling: 1,
      limits: this.limits,
    };
    if (this.estopInfo) s.estop = this.estopInfo;
    if (this.leaseHolder !== undefined) s.leaseHolder = this.leaseHolder;
    if (this.lastOutput) s.lastOutput = this.lastOutput;
    return s;
  }

  on<K extends keyof ControlEvents>(event: K, listener: ControlEvents[K]): () => void {
    (this.listeners[event] as Set<ControlEvents[K]>).add(listener);
    return () => void (this.listeners[event] as Set<ControlEvents[K]>).delete(listener);
  }

  /** Emits a safety event as the real safety layer would. */
  event(e: SafetyEvent): void {
    for (const l of this.listeners.event) l(e);
  }

  callsOf<O extends FakeControlCall['op']>(op: O): Extract<FakeControlCall, { op: O }>[] {
    return this.calls.filter((c): c is Extract<FakeControlCall, { op: O }> => c.op === op);
  }

  private motion(clientId: string, effect: () => void): ControlResult {
    if (this.estopped) return { accepted: false, code: 'estopped', message: 'the e-stop is pressed; reset it first' };
    if (this.leaseHolder !== clientId) return { accepted: false, code: 'not_lease_holder', message: `held by ${this.leaseHolder}` };
    effect();
    return { accepted: true };
  }

  private output(o: OutputCommand): void {
    this.lastOutput = o;
    for (const l of this.listeners.output) l(o);
  }

  private setHolder(holder: string | undefined): void {
    this.leaseHolder = holder;
    for (const l of this.listeners.lease) l(holder);
  }
}
