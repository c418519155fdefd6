// Test rig: the real sim cell, a real roslib connection through the `ur`
// profile, and a CellController, with everything they emit collected.
import { SimCellServer, type SimCellServerOptions } from '../../../sim/index.ts';
import type { JointSample, WrenchSample } from '../../cell/Cell.ts';
import { RosCellConnection, type RosCellConnectionOptions } from '../../cell/RosCellConnection.ts';
import { getProfile, type ProfileAdapter } from '../../profiles/index.ts';
import type { SafetyEvent, SafetyLimits } from '../../safety/index.ts';
import { CellController, type ControlOutput } from '../CellController.ts';

export interface Recorder {
  outputs: ControlOutput[];
  events: SafetyEvent[];
  samples: JointSample[];
  wrenches: WrenchSample[];
}

/** Poll `pred` every 10 ms until true; throws `what` after `timeoutMs` of wall time (generous: this is not a timing check). */
export async function waitFor(pred: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!pred()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class ControlHarness {
  readonly rec: Recorder = { outputs: [], events: [], samples: [], wrenches: [] };
  ctl!: CellController;
  private offs: (() => void)[] = [];
  private simClosed = false;

  private constructor(
    public sim: SimCellServer,
    readonly conn: RosCellConnection,
    readonly adapter: ProfileAdapter,
  ) {
    conn.on('joints', (s) => {
      this.rec.samples.push(s);
      if (this.rec.samples.length > 20_000) this.rec.samples.splice(0, 10_000);
    });
    conn.on('wrench', (w) => {
      this.rec.wrenches.push(w);
      if (this.rec.wrenches.length > 20_000) this.rec.wrenches.splice(0, 10_000);
    });
  }

  static async start(opts: { sim?: SimCellServerOptions; connection?: Partial<RosCellConnectionOptions> } = {}): Promise<ControlHarness> {
    const sim = await SimCellServer.start({ port: 0, cameras: [], speed: 1, task: 'reach', log: () => {}, ...opts.sim });
    const adapter = getProfile('ur').createAdapter();
    const conn = await RosCellConnection.connect({ url: sim.url, adapter, waitMs: 20_000, ...opts.connection });
    const h = new ControlHarness(sim, conn, adapter);
    await h.warmUp();
    return h;
  }

  /**
   * Wait until the sim keeps up with the wall clock (at speed 1). Right after
   * start, JIT warm-up makes it fall behind and catch up in batches of
   * hundreds of steps, during which our commands cannot reach it: the cell
   * clock then runs past the deadman between two wall-clock jog calls.
   */
  async warmUp(): Promise<void> {
    if (this.sim.runner.getStats().realTimeFactor === 0 && this.rec.samples.length === 0) await sleep(100);
    let good = 0;
    for (let i = 0; i < 50 && good < 2; i++) {
      const t0 = this.rec.samples.at(-1)?.stamp ?? 0;
      await sleep(300);
      const t1 = this.rec.samples.at(-1)?.stamp ?? 0;
      good = t1 - t0 >= 0.25 ? good + 1 : 0;
    }
  }

  /** A fresh controller (closing the previous one) with these limits. */
  controller(limits: Partial<SafetyLimits> = {}, toolOffset?: [number, number, number]): CellController {
    this.ctl?.close();
    for (const off of this.offs) off();
    this.rec.outputs.length = 0;
    this.rec.events.length = 0;
    this.ctl = new CellController({ connection: this.conn, arm: this.adapter.arm, limits, toolOffset });
    this.offs = [this.ctl.on('output', (o) => this.rec.outputs.push(o)), this.ctl.on('event', (e) => this.rec.events.push(e))];
    return this.ctl;
  }

  /** Arm back home at rest with sim time restarted (the runner must restart too, or it fast-forwards to catch up). */
  async resetSim(): Promise<void> {
    await this.sim.runner.stop();
    this.sim.cell.reset({});
    this.sim.runner.start();
    const since = this.rec.samples.length;
    await waitFor(() => this.rec.samples.length > since + 10, 'joint samples after reset');
  }

  latest(): JointSample {
    const s = this.rec.samples[this.rec.samples.length - 1];
    if (!s) throw new Error('no joint sample yet');
    return s;
  }

  cellTime(): number {
    return this.ctl.status().cellTime ?? 0;
  }

  /** Wait until every gate but the lease is open (the cell is connected, NORMAL, fresh). */
  async ready(): Promise<void> {
    await waitFor(() => {
      const g = this.ctl.status().gates;
      return g.connection && g.safetyMode && g.inputs && g.estop && g.force;
    }, 'safety gates to open');
  }

  /**
   * Call `send` every ~10 ms of wall time until `cellSeconds` of cell time
   * have passed; returns the last accepted result's stamp (undefined if none was accepted).
   */
  async repeat(cellSeconds: number, send: () => { accepted: boolean; stamp?: number }): Promise<number | undefined> {
    const start = this.cellTime();
    let last: number | undefined;
    await waitFor(() => {
      const r = send();
      if (r.accepted) last = r.stamp;
      return this.cellTime() - start >= cellSeconds;
    }, `${cellSeconds} s of cell time`, 60_000);
    return last;
  }

  /** Kill the sim (close its server) without touching the connection. */
  async killSim(): Promise<void> {
    this.simClosed = true;
    await this.sim.close();
  }

  /** A new sim on the same port as the last one (the connection reconnects to it by itself). */
  async startSimOnSamePort(opts: SimCellServerOptions = {}): Promise<void> {
    this.sim = await SimCellServer.start({ cameras: [], speed: 1, task: 'reach', log: () => {}, ...opts, port: this.sim.server.port });
    this.simClosed = false;
  }

  async close(): Promise<void> {
    this.ctl?.close();
    await this.conn.close();
    if (!this.simClosed) await this.sim.close();
  }
}
