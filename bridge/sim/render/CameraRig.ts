import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type {
  CameraFrame,
  CameraSpec,
  CameraWorkerInit,
  CameraWorkerReply,
  RenderRequest,
} from './cameraWorkerProtocol.ts';

export type { CameraFrame, CameraSpec } from './cameraWorkerProtocol.ts';

export interface CameraRigOptions {
  /** The cell's MJCF, the same XML the physics thread compiled. */
  xml: string;
  /** Cameras rendered on every `render()`, in this order. */
  cameras: CameraSpec[];
  /** JPEG quality 1..100. Default 80. */
  jpegQuality?: number;
  /** Ray-cast shadows from the model's first light (see RayCastCamera). Default true. */
  shadows?: boolean;
}

/** The simulated state that poses the cell: what the worker needs besides the model. */
export interface CameraRigState {
  /** Full `data.qpos` (length nq). */
  qpos: Float64Array;
  /** Full `data.mocap_pos` (3 per mocap body), e.g. the target marker. Kept from the last render if omitted. */
  mocapPos?: Float64Array;
  /** Full `data.mocap_quat` (4 per mocap body, w x y z). Kept from the last render if omitted. */
  mocapQuat?: Float64Array;
}

interface Pending {
  resolve(frames: CameraFrame[]): void;
  reject(err: Error): void;
}

/**
 * Renders the sim cell's cameras off the physics thread. A worker_threads
 * Worker loads its own MuJoCo, compiles the same MJCF, and on each `render()`
 * poses the model from the given state (kinematics only), ray-casts every
 * camera and JPEG-encodes it. JPEG bytes are transferred back, not copied.
 *
 * Requests are answered in order. The rig does not drop frames: a caller
 * publishing at a fixed rate should skip a tick while `pending > 0` rather than
 * queue up work the worker cannot keep up with.
 *
 * If the worker dies (uncaught error, out of memory, exit), every pending and
 * later `render()` rejects with the reason; create a new rig to recover.
 */
export class CameraRig {
  private readonly worker: Worker;
  private readonly inFlight = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | undefined;
  /** Model sizes reported by the worker, for validating states before sending. */
  readonly nq: number;
  readonly nmocap: number;

  private constructor(worker: Worker, nq: number, nmocap: number) {
    this.worker = worker;
    this.nq = nq;
    this.nmocap = nmocap;
    worker.on('message', (message: CameraWorkerReply) => {
      if (message.op !== 'frames' && message.op !== 'renderFailed') return;
      const pending = this.inFlight.get(message.id);
      if (!pending) return;
      this.inFlight.delete(message.id);
      if (message.op === 'frames') pending.resolve(message.frames);
      else pending.reject(new Error(`CameraRig: render failed in the camera worker: ${message.message}`));
    });
    worker.on('error', (err: unknown) => this.fail(new Error(`CameraRig: the camera worker crashed: ${messageOf(err)}`)));
    worker.on('exit', (code) =>
      this.fail(new Error(`CameraRig: the camera worker exited (code ${code}); create a new CameraRig to keep rendering.`)),
    );
  }

  /** Start the worker and wait until its model is compiled and its cameras exist. */
  static async create(options: CameraRigOptions): Promise<CameraRig> {
    const { xml, cameras, jpegQuality = 80, shadows = true } = options;
    if (cameras.length === 0) throw new Error('CameraRig: expected at least one camera spec, found none.');
    const init: CameraWorkerInit = { xml, cameras, jpegQuality, shadows };
    const worker = new Worker(workerBootstrap(), { eval: true, workerData: init });
    const ready = await new Promise<{ nq: number; nmocap: number }>((resolve, reject) => {
      const onMessage = (message: CameraWorkerReply) => {
        if (message.op === 'ready') done(() => resolve(message));
        else if (message.op === 'initFailed') done(() => reject(new Error(`CameraRig: the camera worker could not start: ${message.message}`)));
      };
      const onError = (err: unknown) =>
        done(() => reject(new Error(`CameraRig: the camera worker crashed while starting: ${messageOf(err)}`)));
      const onExit = (code: number) => done(() => reject(new Error(`CameraRig: the camera worker exited while starting (code ${code}).`)));
      const done = (settle: () => void) => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        settle();
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    }).catch(async (err: Error) => {
      await worker.terminate();
      throw err;
    });
    return new CameraRig(worker, ready.nq, ready.nmocap);
  }

  /** Renders waiting for an answer from the worker. */
  get pending(): number {
    return this.inFlight.size;
  }

  /** Pose the cell from `state` and render every camera, in the order given to `create`. */
  render(state: CameraRigState): Promise<CameraFrame[]> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const request: RenderRequest = { op: 'render', id, qpos: state.qpos, mocapPos: state.mocapPos, mocapQuat: state.mocapQuat };
    return new Promise<CameraFrame[]>((resolve, reject) => {
      this.inFlight.set(id, { resolve, reject });
      // Copied, not transferred: the state arrays are small and usually views the caller keeps using.
      this.worker.postMessage(request);
    });
  }

  /** Stop the worker. Pending renders reject. Safe to call twice. */
  async close(): Promise<void> {
    if (!this.failure) this.fail(new Error('CameraRig: closed before the frame was rendered.'));
    await this.worker.terminate();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const pending of this.inFlight.values()) pending.reject(this.failure);
    this.inFlight.clear();
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The worker is TypeScript, and a new worker does not inherit loader hooks
 * registered in the parent (tsx's `register()` in the cellkit CLI, vitest's
 * transform). Node 20 also ignores `--import` in a worker's execArgv
 * (measured on 20.20: the preload never runs). So the worker starts from a
 * tiny JS bootstrap that registers tsx in its own thread, then imports
 * cameraWorker.ts. tsx is resolved from this file, not the cwd, so this works
 * wherever the CLI is started.
 */
function workerBootstrap(): string {
  const require = createRequire(import.meta.url);
  const tsxApi = new URL('dist/esm/api/index.mjs', pathToFileURL(require.resolve('tsx/package.json'))).href;
  const entry = new URL('./cameraWorker.ts', import.meta.url).href;
  return `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
}
