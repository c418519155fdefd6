/**
 * Loads a policy bundle for the connected cell, or refuses it with what
 * differs: robot profile, joint names and order, cameras, the arm model and
 * tool offset TCP inputs were computed with (trainer's `checkBundleFits`),
 * and every input/output name the adapter cannot map.
 * Nothing is returned that could not run on this cell.
 */
import { basename, resolve } from 'node:path';

import { PolicyRuntime, checkBundleFits, initBackend, loadBundle, type LoadedBundle, type Observation, type PolicyManifest } from '@cellkit/trainer';

import type { CellDescription } from '../cell/Cell.ts';
import type { PolicyProblem } from '../protocol/ServerMessage.ts';
import { createPolicyAdapter, type PolicyAdapter } from './PolicyAdapter.ts';
import { PolicyError, problem } from './PolicyError.ts';

/** What the runner calls each step (the trainer's `PolicyRuntime`; tests may wrap it). */
export interface Predictor {
  predict(obs: Observation): Float32Array;
  reset(): void;
  dispose(): void;
}

export interface LoadedPolicy {
  /** Bundle name (folder name) for people. */
  name: string;
  /** The bundle folder, when loaded from one. */
  dir?: string;
  manifest: PolicyManifest;
  /** Hz. */
  rate: number;
  stateNames: string[];
  actionNames: string[];
  cameras: { name: string; shape: [number, number, 3] }[];
  adapter: PolicyAdapter;
  predictor: Predictor;
}

export interface LoadPolicyOptions {
  /** A bundle folder, or a bundle already in memory. */
  source: string | LoadedBundle;
  /** Default: the folder's name, or the dataset id. */
  name?: string;
  /**
   * The connected cell. `arm` and `toolOffset` (m, flange frame; absent: the
   * flange) are compared with a bundle whose inputs include the TCP pose.
   */
  cell: Pick<CellDescription, 'profile' | 'jointNames' | 'cameras' | 'hasGripper'> & { arm?: string; toolOffset?: [number, number, number] };
  /** Wraps the runtime (tests); default `new PolicyRuntime(bundle, { trackGain })`. */
  predictor?: (bundle: LoadedBundle) => Predictor;
  /** 1/s, twist chunk policies: how hard the tool is pulled to where the chunks say it should be (0 = off; default the runtime's TRACK_GAIN). */
  trackGain?: number;
}

let backend: Promise<unknown> | undefined;

/** The tfjs backend for inference, once per process (before loading a bundle by hand with `loadBundle`). */
export async function ensurePolicyBackend(): Promise<void> {
  // Inference is small (one observation per step): wasm (XNNPACK), which needs no native install.
  backend ??= initBackend({ prefer: 'wasm' });
  await backend;
}

export async function loadPolicy(opts: LoadPolicyOptions): Promise<LoadedPolicy> {
  const dir = typeof opts.source === 'string' ? resolve(opts.source) : undefined;
  let bundle: LoadedBundle;
  await ensurePolicyBackend();
  try {
    bundle = typeof opts.source === 'string' ? await loadBundle(dir!) : opts.source;
  } catch (err) {
    throw new PolicyError(problem('bundle_unreadable', (err as Error).message, 'check the path is a policy bundle folder (policy.json, model.json, weights.bin)'));
  }
  const m = bundle.manifest;
  const name = opts.name ?? (dir ? basename(dir) : m.dataset.id ?? 'policy');
  // The runner resizes each camera to the bundle's shape, so a camera the cell has always "delivers" that shape.
  // (Cameras the bundle does not use are listed too, so a "missing camera" message names what the cell has.)
  const cameras = Object.fromEntries(opts.cell.cameras.map((name) => [name, m.inputs.cameras.find((c) => c.name === name)?.shape ?? ([0, 0, 3] as [number, number, 3])]));
  const { profile, jointNames, arm, toolOffset } = opts.cell;
  const fit = { profile, jointNames, cameras, ...(arm !== undefined ? { arm } : {}), ...(toolOffset !== undefined ? { toolOffset } : {}) };
  const problems: PolicyProblem[] = checkBundleFits(bundle, fit).map((p) => ({
    severity: p.severity,
    code: p.code,
    message: p.message,
    tip: p.tip,
  }));
  if (!(m.rate > 0 && m.rate <= 500)) problems.push(problem('rate', `expected a policy rate in (0, 500] Hz, found ${m.rate}`, 'fix policy.json or retrain'));
  const adapter = createPolicyAdapter(m, opts.cell);
  if (Array.isArray(adapter)) problems.push(...adapter);
  if (problems.length > 0 || Array.isArray(adapter)) {
    const summary = problems.filter((p) => p.severity === 'error');
    if (summary.length > 0 || Array.isArray(adapter)) {
      bundle.model.dispose();
      throw new PolicyError(
        problem('bundle_does_not_fit', `policy '${name}' does not fit this cell: ${summary.map((p) => p.message).join('; ')}`, summary[0]?.tip ?? 'retrain on data from this cell'),
        problems,
      );
    }
  }
  return {
    name,
    ...(dir ? { dir } : {}),
    manifest: m,
    rate: m.rate,
    stateNames: m.inputs.state.slice(),
    actionNames: m.outputs.action.slice(),
    cameras: m.inputs.cameras.map((c) => ({ name: c.name, shape: c.shape })),
    adapter: adapter as PolicyAdapter,
    predictor: opts.predictor ? opts.predictor(bundle) : new PolicyRuntime(bundle, opts.trackGain !== undefined ? { trackGain: opts.trackGain } : {}),
  };
}

/** 1/s the policy tracks its chunks' plan with (twist chunk policies on the runtime), 0 when it does not. */
export function trackingGain(policy: LoadedPolicy): number {
  return policy.predictor instanceof PolicyRuntime ? policy.predictor.trackGain : 0;
}
