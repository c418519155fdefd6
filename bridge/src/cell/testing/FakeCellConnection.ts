import type { CellCommand, CellConnection, CellDescription, CellEvents, ConnectionHealth, ConnectionState, JointSample } from '../Cell.ts';
import { TypedEmitter } from '../TypedEmitter.ts';

const UR_JOINTS = ['shoulder_pan_joint', 'shoulder_lift_joint', 'elbow_joint', 'wrist_1_joint', 'wrist_2_joint', 'wrist_3_joint'];

/**
 * An in-memory `CellConnection` for tests of code above the connection
 * (controller, server, recorder): the test pushes samples and health, and
 * reads what was sent. `send` behaves like the real one: false and dropped
 * unless connected.
 */
export class FakeCellConnection implements CellConnection {
  readonly description: CellDescription;
  readonly sent: CellCommand[] = [];
  readonly actions: string[] = [];
  private readonly emitter = new TypedEmitter<CellEvents>();
  private state: ConnectionHealth;

  constructor(description: Partial<CellDescription> = {}) {
    this.description = {
      profile: 'fake',
      arm: 'ur5e',
      jointNames: [...UR_JOINTS],
      jointLimits: UR_JOINTS.map(() => ({ lower: -2 * Math.PI, upper: 2 * Math.PI })),
      maxJointVelocity: UR_JOINTS.map(() => Math.PI),
      hasGripper: true,
      hasWrench: true,
      cameras: [],
      url: 'fake://cell',
      ...description,
    };
    this.state = { state: 'connected', url: this.description.url, lastMessageAge: null, reconnects: 0, since: 0 };
  }

  health(): ConnectionHealth {
    return { ...this.state };
  }

  on<K extends keyof CellEvents>(event: K, listener: CellEvents[K]): () => void {
    return this.emitter.on(event, listener);
  }

  send(cmd: CellCommand): boolean {
    if (this.state.state !== 'connected') return false;
    this.sent.push({ ...cmd, velocities: cmd.velocities.slice() });
    return true;
  }

  async callAction(action: 'unlockProtectiveStop' | 'stopProgram' | 'playProgram'): Promise<{ success: boolean; message: string }> {
    this.actions.push(action);
    return { success: this.state.state === 'connected', message: action };
  }

  async close(): Promise<void> {
    this.setState('closed');
  }

  /** Emit a joint sample at cell time `stamp` (positions default to the UR home pose). */
  joints(stamp: number, position = [0, -Math.PI / 2, Math.PI / 2, -Math.PI / 2, -Math.PI / 2, 0], velocity = position.map(() => 0)): void {
    const s: JointSample = { stamp, receivedAt: stamp, position, velocity, effort: position.map(() => 0) };
    this.emitter.emit('joints', s);
  }

  /**
   * Stream joint samples like a live cell: every ~2 ms of wall time, stamped
   * `start` + wall time elapsed. A controller's wall-clock watchdog treats a
   * cell that only speaks in test-driven bursts as silent (and stops); use
   * this when a test waits on sockets between samples. Returns a stop function.
   */
  stream(opts: { start?: number; position?: number[] } = {}): () => void {
    const t0 = performance.now();
    const start = opts.start ?? 1000;
    const timer = setInterval(() => this.joints(start + (performance.now() - t0) / 1000, opts.position), 2);
    return () => clearInterval(timer);
  }

  wrench(stamp: number, force: [number, number, number], torque: [number, number, number] = [0, 0, 0]): void {
    this.emitter.emit('wrench', { stamp, receivedAt: stamp, force, torque });
  }

  status(safetyMode: number, speedScaling = 1): void {
    this.emitter.emit('status', { receivedAt: 0, safetyMode, speedScaling });
  }

  setState(state: ConnectionState, error?: string): void {
    const reconnects = this.state.reconnects + (state === 'connected' && this.state.state !== 'connected' ? 1 : 0);
    this.state = { ...this.state, state, reconnects, error };
    if (error === undefined) delete this.state.error;
    this.emitter.emit('health', this.health());
  }
}
