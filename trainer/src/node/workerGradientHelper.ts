// A GradientHelper on a worker thread: a second core computes half of every
// batch's gradient (parallel/GradientHelper.ts). tfjs-wasm cannot run threads
// in Node, so this is how training uses two cores there.
//
// The worker runs TypeScript through tsx, like the bridge's training
// processes. Arrays go to and from the worker as transferred buffers, except
// the weights (copied: a few MB per step, ~1 ms).
import { Worker } from 'node:worker_threads';
import type { BackendPreference } from '../backend/initBackend.ts';
import type { GradientHelper, GradientHelperFactory, GradientHelperSetup, GradientReply, GradientRequest } from '../parallel/GradientHelper.ts';

export interface WorkerGradientHelperOptions {
  /** Backend the worker starts (same fallback order as initBackend). Default 'wasm'. */
  backend?: BackendPreference;
  /** Node flags for the worker. Default: none. */
  execArgv?: string[];
}

/**
 * The worker's source: registers tsx's loader in the worker's own thread
 * (Node 20 ignores `--import` in a worker's execArgv), then loads the entry.
 */
function bootstrap(entry: URL): string {
  const tsx = import.meta.resolve('tsx/esm/api');
  return `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
}

type Message = { ready: true } | { reply: GradientReply } | { error: string };

export function workerGradientHelper(opts: WorkerGradientHelperOptions = {}): GradientHelperFactory {
  return async (setup: GradientHelperSetup): Promise<GradientHelper> => {
    const worker = new Worker(bootstrap(new URL('./gradientWorker.ts', import.meta.url)), {
      eval: true, workerData: { setup, backend: opts.backend ?? 'wasm' }, execArgv: opts.execArgv ?? [],
    });
    let pending: { resolve: (m: Message) => void; reject: (e: Error) => void } | null = null;
    let failure: Error | null = null;
    const fail = (err: Error): void => {
      failure ??= err;
      pending?.reject(failure);
      pending = null;
    };
    worker.on('message', (m: Message) => {
      const p = pending;
      pending = null;
      p?.resolve(m);
    });
    worker.on('error', (err: Error) => fail(new Error(`gradient worker failed: ${err.message}`)));
    worker.on('exit', (code) => fail(new Error(`gradient worker exited (code ${code}) with a request open`)));
    const next = (): Promise<Message> => new Promise((resolve, reject) => {
      if (failure != null) reject(failure);
      else pending = { resolve, reject };
    });
    const first = await next();
    if ('error' in first) {
      await worker.terminate();
      throw new Error(`gradient worker could not start: ${first.error.split('\n')[0]}; train without a gradient helper instead`);
    }
    return {
      async gradients(req: GradientRequest): Promise<GradientReply> {
        const reply = next();
        // Batch parts are views into the batch's arrays: copy them so the transfer does not detach the caller's batch.
        const own = (a: Float32Array): Float32Array => a.slice();
        const batch = { ...req.batch, state: own(req.batch.state), target: own(req.batch.target), mask: own(req.batch.mask), images: Object.fromEntries(Object.entries(req.batch.images).map(([k, a]) => [k, own(a)])) };
        worker.postMessage({ ...req, batch }, [batch.state.buffer, batch.target.buffer, batch.mask.buffer, ...Object.values(batch.images).map((a) => a.buffer)] as ArrayBuffer[]);
        const m = await reply;
        if ('error' in m) throw new Error(`gradient worker: ${m.error.split('\n')[0]}`);
        if (!('reply' in m)) throw new Error('gradient worker: expected a gradient reply, found another message');
        return m.reply;
      },
      async close(): Promise<void> {
        worker.removeAllListeners('exit');
        await worker.terminate();
      },
    };
  };
}
