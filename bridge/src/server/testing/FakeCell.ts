/**
 * An in-memory `CellConnection` for server tests: the test pushes samples
 * with `emit`, and reads the commands the server (never) sends.
 */
import type { CellCommand, CellConnection, CellDescription, CellEvents, ConnectionHealth } from '../../cell/Cell.ts';

export const FAKE_CELL_DESCRIPTION: CellDescription = {
  profile: 'fake',
  arm: 'ur5e',
  jointNames: ['shoulder_pan_joint', 'shoulder_lift_joint', 'elbow_joint', 'wrist_1_joint', 'wrist_2_joint', 'wrist_3_joint'],
  jointLimits: Array.from({ length: 6 }, () => ({ lower: -2 * Math.PI, upper: 2 * Math.PI })),
  maxJointVelocity: [3.14, 3.14, 3.14, 3.14, 3.14, 3.14],
  hasGripper: true,
  hasWrench: true,
  cameras: ['wrist', 'scene'],
  url: 'ws://fake:9090',
};

type Listeners = { [K in keyof CellEvents]: Set<CellEvents[K]> };

export class FakeCell implements CellConnection {
  readonly description: CellDescription;
  readonly sent: CellCommand[] = [];
  private readonly listeners: Listeners = { joints: new Set(), wrench: new Set(), camera: new Set(), status: new Set(), health: new Set() };
  private currentHealth: ConnectionHealth;

  constructor(description: Partial<CellDescription> = {}) {
    this.description = { ...FAKE_CELL_DESCRIPTION, ...description };
    this.currentHealth = { state: 'connected', url: this.description.url, lastMessageAge: 0.01, reconnects: 0, since: Date.now() / 1000 };
  }

  health(): ConnectionHealth {
    return this.currentHealth;
  }

  setHealth(h: Partial<ConnectionHealth>): void {
    this.currentHealth = { ...this.currentHealth, ...h };
    this.emit('health', this.currentHealth);
  }

  on<K extends keyof CellEvents>(event: K, listener: CellEvents[K]): () => void {
    (this.listeners[event] as Set<CellEvents[K]>).add(listener);
    return () => void (this.listeners[event] as Set<CellEvents[K]>).delete(listener);
  }

  emit<K extends keyof CellEvents>(event: K, ...args: Parameters<CellEvents[K]>): void {
    for (const l of this.listeners[event]) (l as (...a: Parameters<CellEvents[K]>) => void)(...args);
  }

  listenerCount(event: keyof CellEvents): number {
    return this.listeners[event].size;
  }

  send(cmd: CellCommand): boolean {
    this.sent.push(cmd);
    return true;
  }

  async callAction(): Promise<{ success: boolean; message: string }> {
    return { success: true, message: 'fake' };
  }

  async close(): Promise<void> {}
}
