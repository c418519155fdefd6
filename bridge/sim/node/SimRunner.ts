import type { SimCell } from '../cell/SimCell.ts';
import type { CameraRig } from '../render/CameraRig.ts';
import type { SimRosNode } from './SimRosNode.ts';

export type SimSpeed = number | 'max';

export interface SimRunnerOptions {
  cell: SimCell;
  node: SimRosNode;
  /** Renders camera frames off this thread; omit for a cell without cameras. */
  cameras?: CameraRig;
  /** 1 = wall-clock real time; 'max' = as fast as the CPU allows (stamps stay on the sim clock). */
  speed?: SimSpeed;
  /** Names of the cameras the rig renders. */
  cameraNames?: string[];
  /** Camera frame rate in sim time. Default 30 Hz. */
  cameraRateHz?: number;
  log?: (level: 'info' | 'warn' | 'error', msg: string) => void;
}

export interface SimRunnerStats {
  steps: number;
  simTime: number;
  wallTime: number;
  realTimeFactor: number;
  /** Camera frames not rendered because the renderer was still busy (speed ≥ 1 only). */
  cameraFramesSkipped: number;
  /** Times the loop fell more than 50 ms of sim time behind the wall clock (speed ≥ 1 only). */
  lateTicks: number;
  /** Rendered frames dropped because the cell was reset while they rendered: they show the last episode. */
  cameraFramesStale: number;
}

/**
 * How much sim time one batch of 'max'-speed stepping may cover before ws I/O
 * gets a turn. Small on purpose: a controller on the other end of the socket
 * reacts one or two event-loop turns later, and every step taken meanwhile is
 * command latency in sim time (at 4 ms slices of wall time the sim ran 160 ms
 * ahead and scripted grasps pressed into the table).
 */
const MAX_SLICE_STEPS = 2;

/** Camera frames that may be requested but unpublished at once in real time (1 rendering + 1 queued). */
const MAX_PENDING_RENDERS = 2;

/**
 * Runs the cell's clock. At a numeric speed the sim follows the wall clock
 * (catching up in batches after timer jitter, so every 2 ms step and every
 * 500 Hz message still happens, with sim-clock stamps); at 'max' it steps as
 * fast as it can in short slices, yielding to I/O between them.
 *
 * Camera frames are due every 1/cameraRateHz of sim time. The state at that
 * instant goes to the render worker while physics continues. At 'max' the
 * loop waits for the previous frame before passing the next frame time, so no
 * frame is ever skipped; in real time one frame may queue behind the one
 * rendering, and a frame due while two are pending is skipped and counted,
 * because waiting would stall physics.
 */
export class SimRunner {
  private readonly opts: Required<Omit<SimRunnerOptions, 'cameras' | 'log'>> & Pick<SimRunnerOptions, 'cameras' | 'log'>;
  private running = false;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private wallStart = 0;
  private simStart = 0;
  private nextFrameTime = 0;
  /** The newest render requested (renders complete in order). */
  private inFlight: Promise<void> | undefined;
  /** Renders requested and not yet published. */
  private pendingRenders = 0;
  private readonly stats: SimRunnerStats = {
    steps: 0,
    simTime: 0,
    wallTime: 0,
    realTimeFactor: 0,
    cameraFramesSkipped: 0,
    lateTicks: 0,
    cameraFramesStale: 0,
  };
  private stopped: Promise<void> = Promise.resolve();
  private resolveStopped: () => void = () => {};

  constructor(opts: SimRunnerOptions) {
    this.opts = { speed: 1, cameraRateHz: 30, cameraNames: [], ...opts };
    const { speed } = this.opts;
    if (speed !== 'max' && !(typeof speed === 'number' && speed > 0 && Number.isFinite(speed))) {
      throw new Error(`sim speed must be a positive number or 'max', got ${String(speed)}`);
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.wallStart = performance.now();
    this.simStart = this.opts.cell.time;
    this.nextFrameTime = this.opts.cell.time;
    this.stopped = new Promise((resolve) => (this.resolveStopped = resolve));
    this.schedule();
  }

  /** Stops stepping; resolves once the loop and any in-flight render are done. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.timer) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
    }
    this.resolveStopped();
    await this.stopped;
    while (this.inFlight) await this.inFlight.catch(() => {});
  }

  getStats(): SimRunnerStats {
    const wall = (performance.now() - this.wallStart) / 1000;
    const sim = this.opts.cell.time - this.simStart;
    return { ...this.stats, simTime: sim, wallTime: wall, realTimeFactor: wall > 0 ? sim / wall : 0 };
  }

  private schedule(): void {
    if (!this.running) return;
    if (this.opts.speed === 'max') this.timer = setImmediate(() => void this.tickMax());
    else this.timer = setTimeout(() => this.tickRealTime(), 1);
  }

  private tickRealTime(): void {
    if (!this.running) return;
    const { cell, speed } = this.opts;
    const target = this.simStart + (((performance.now() - this.wallStart) / 1000) * (speed as number));
    if (target - cell.time > 0.05) this.stats.lateTicks++;
    // Bound one catch-up batch so a long GC pause cannot starve the socket for seconds.
    let budget = 250;
    while (cell.time + cell.timestep / 2 <= target && budget-- > 0) this.stepOnce(false);
    this.schedule();
  }

  private async tickMax(): Promise<void> {
    if (!this.running) return;
    for (let i = 0; this.running && i < MAX_SLICE_STEPS; i++) {
      const waitFor = this.stepOnce(true);
      if (waitFor) {
        await waitFor;
        break;
      }
    }
    this.schedule();
  }

  /** One physics step plus its publications; returns a promise when 'max' must wait for the renderer. */
  private stepOnce(waitForFrames: boolean): Promise<void> | undefined {
    const { cell, node } = this.opts;
    cell.step();
    this.stats.steps++;
    node.afterStep();
    if (this.opts.cameras && cell.time + 1e-9 >= this.nextFrameTime) {
      this.nextFrameTime += 1 / this.opts.cameraRateHz;
      // Rendering costs a core; nobody watching means nothing to render.
      if (!this.opts.cameraNames.some((c) => node.cameraWanted(c))) return undefined;
      if (this.inFlight) {
        // In real time one frame may queue behind the one rendering, absorbing
        // render-time jitter (it is published late but with its own stamp).
        if (!waitForFrames && this.pendingRenders < MAX_PENDING_RENDERS) {
          void this.render(this.snapshot());
          return undefined;
        }
        if (waitForFrames) {
          // Render this frame after the previous one completes; the loop waits for it.
          // Wait for the previous frame, then render this one while physics goes on.
          const previous = this.inFlight;
          const state = this.snapshot();
          return previous.then(() => {
            // Not after stop(): the rig may be closing (a render then fails with "closed before the frame was rendered").
            if (this.running) void this.render(state);
          });
        }
        this.stats.cameraFramesSkipped++;
        return undefined;
      }
      void this.render(this.snapshot());
    }
    return undefined;
  }

  private snapshot() {
    const { cell, node } = this.opts;
    const data = cell.data as unknown as { qpos: Float64Array; mocap_pos: Float64Array; mocap_quat: Float64Array };
    return {
      stamp: node.now(),
      resets: cell.resets,
      qpos: new Float64Array(data.qpos),
      mocapPos: new Float64Array(data.mocap_pos),
      mocapQuat: new Float64Array(data.mocap_quat),
    };
  }

  private render(state: ReturnType<SimRunner['snapshot']>): Promise<void> {
    const { cameras, node } = this.opts;
    const done = cameras!
      .render({ qpos: state.qpos, mocapPos: state.mocapPos, mocapQuat: state.mocapQuat })
      .then((frames) => {
        // Requested before a reset (e.g. /cell/reset between two steps): the old scene under an old stamp would be the
        // first frame a recorder starting the new episode gets.
        if (this.opts.cell.resets !== state.resets) {
          this.stats.cameraFramesStale++;
          return;
        }
        for (const f of frames) node.publishCameraFrame(f.name, state.stamp, f.jpeg);
      })
      .catch((err: Error) => this.opts.log?.('error', `[sim] camera render failed: ${err.message}`))
      .finally(() => {
        this.pendingRenders--;
        if (this.inFlight === done) this.inFlight = undefined;
      });
    this.pendingRenders++;
    this.inFlight = done;
    return done;
  }
}
