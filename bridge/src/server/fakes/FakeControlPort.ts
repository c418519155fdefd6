/**
 * An in-memory `ControlPort` with the real controller's lease and e-stop
 * semantics (one holder; jogs from others refused; e-stop refuses motion
 * until reset) and a log of every call, for server tests.
 */
import type { OutputCommand } from '../../safety/JointVelocityCommand.ts';
import type { SafetyEvent } from '../../safety/SafetyEvent.ts';
import type { TeleopLimits } from '../../protocol/ServerMessage.ts';
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
  readonly limits: TeleopLimits = { maxJointVelocity: [1, 1, 1, 1, 1, 1], maxTcpSpeed: 0.25, deadmanTimeout: 0.1 };
  readonly calls: FakeControlCall[] = [];
  leaseHolder: string | null = null;
  estopped = false;
  lastOutput: OutputCommand | null = null;
  private readonly listeners: Listeners = { output: new Set(), event: new Set(), lease: new Set() };

  constructor(private readonly cell: CellConnection) {}

  acquireLease(clientId: string): ControlResult {
    this.calls.push({ op: 'acquireLease', clientId });
    if (this.leaseHolder !== null && this.leaseHolder !== clientId) return { accepted: false, code: 'lease_held', message: `held by ${this.leaseHolder}` };
    this.setHolder(clientId);
    return { accepted: true };
  }

  releaseLease(clientId: string): ControlResult {
    this.calls.push({ op: 'releaseLease', clientId });
    if (this.leaseHolder !== clientId) return { accepted: false, code: 'not_lease_holder', message: `held by ${this.leaseHolder}` };
    this.setHolder(null);
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

  estop(by: string, reason: string): ControlResult {
    this.calls.push({ op: 'estop', by, reason });
    this.estopped = true;
    this.event({ time: Date.now() / 1000, kind: 'estop', code: 'estop', message: `e-stop by ${by}: ${reason}` });
    return { accepted: true };
  }

  resetEstop(by: string): ControlResult {
    this.calls.push({ op: 'resetEstop', by });
    this.estopped = false;
    this.event({ time: Date.now() / 1000, kind: 'estop_reset', code: 'estop_reset', message: `reset by ${by}` });
    return { accepted: true };
  }

  status(): ControlStatus {
    return {
      estopped: this.estopped,
      gates: [
        { name: 'estop', open: !this.estopped, ...(this.estopped ? { reason: 'e-stop pressed' } : {}) },
        { name: 'lease', open: this.leaseHolder !== null },
      ],
      leaseHolder: this.leaseHolder,
      lastOutput: this.lastOutput,
      safetyMode: 1,
      health: this.cell.health(),
    };
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

  private setHolder(holder: string | null): void {
    this.leaseHolder = holder;
    for (const l of this.listeners.lease) l(holder);
  }
}
