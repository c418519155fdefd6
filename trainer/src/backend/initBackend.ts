// Picks the fastest TensorFlow.js backend available in this process and says
// which one it picked, so the CLI can print it and a slow run is explainable.
//
// Order: tfjs-node (native libtensorflow; optional, loaded only if installed)
// → wasm (XNNPACK, SIMD) → cpu (pure JS, ~100× slower for conv nets: a
// single 96×96 CNN step took minutes when measured).
//
// WASM in Node: the .wasm binaries must be located on disk (`setWasmPaths`
// with the package's `dist/` folder). tfjs uses the SIMD binary when the engine
// validates SIMD (Node 20 does). The threaded binary is never used in Node:
// tfjs reports WASM_HAS_MULTITHREAD_SUPPORT=false there, and forcing it fails
// because Emscripten starts its pthread workers from blob: URLs, which Node's
// Worker rejects (ERR_WORKER_PATH). So training on wasm uses one core.
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from './registerWasmTrainingKernels.ts';

export type BackendPreference = 'node' | 'wasm' | 'cpu';

export interface BackendInfo {
  /** tfjs backend name: 'tensorflow' (tfjs-node), 'wasm' or 'cpu'. */
  name: string;
  /** Whether the backend runs SIMD code (wasm: the SIMD binary was loaded). */
  simd: boolean;
  /** Threads the backend computes with. */
  threads: number;
  /** One line for people: what was chosen and why. */
  note: string;
}

export interface InitBackendOptions {
  /** Try this backend first, then fall back along node → wasm → cpu. Default: 'node'. */
  prefer?: BackendPreference;
  /**
   * Folder (path or URL, ending in '/') holding the tfjs-backend-wasm `.wasm`
   * files. Default: the installed package's `dist/` folder, resolved from
   * node_modules.
   */
  wasmDir?: string;
}

const ORDER: BackendPreference[] = ['node', 'wasm', 'cpu'];
let wasmPathsSet = false;

export async function initBackend(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  const prefer = opts.prefer ?? 'node';
  const order = [prefer, ...ORDER.filter((b) => b !== prefer)];
  const failures: string[] = [];
  for (const candidate of order) {
    try {
      const info = await tryBackend(candidate, opts);
      if (info != null) {
        if (failures.length > 0) info.note += ` (skipped: ${failures.join('; ')})`;
        return info;
      }
    } catch (err) {
      // First line only, without Node's "imported from <path>" tail: this goes on one status line.
      const message = String((err as Error)?.message ?? err).split('\n')[0].replace(/ imported from .*$/, '');
      failures.push(`${candidate}: ${message}`);
    }
  }
  throw new Error(`initBackend: expected one of node, wasm, cpu to start, none did: ${failures.join('; ')}`);
}

async function tryBackend(b: BackendPreference, opts: InitBackendOptions): Promise<BackendInfo | null> {
  if (b === 'node') {
    // A variable specifier keeps bundlers and tsc from requiring the package.
    const specifier = '@tensorflow/tfjs-node';
    await import(/* @vite-ignore */ specifier);
    if (!(await tf.setBackend('tensorflow'))) throw new Error('tfjs-node loaded but its backend did not start');
    return { name: 'tensorflow', simd: true, threads: 0, note: 'tfjs-node (native libtensorflow, all cores)' };
  }
  if (b === 'wasm') {
    if (!wasmPathsSet && tf.findBackend('wasm') == null) {
      setWasmPaths(opts.wasmDir ?? (await defaultWasmDir()));
      wasmPathsSet = true;
    }
    registerWasmTrainingKernels();
    if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend did not initialise (are the .wasm files in wasmDir?)');
    await tf.ready();
    const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
    const threads = getThreadsCount();
    return {
      name: 'wasm',
      simd,
      threads,
      note: `wasm (XNNPACK, ${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'}; custom conv gradient kernels)`,
    };
  }
  if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend did not start');
  return { name: 'cpu', simd: false, threads: 1, note: 'cpu (pure JS; very slow for image policies)' };
}

/** `node_modules/@tensorflow/tfjs-backend-wasm/dist/`, found the way Node resolves packages. */
async function defaultWasmDir(): Promise<string> {
  const { createRequire } = await import('node:module');
  const { dirname } = await import('node:path');
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + '/';
}
