/**
 * A real policy bundle, trained in seconds for tests: a tiny mlp on the
 * trainer's synthetic UR data (state → joint velocity commands + gripper,
 * a smooth nonzero mapping), saved as a bundle folder.
 */
import { join } from 'node:path';

import { initBackend, saveBundle, train } from '@cellkit/trainer';
import { DirBundleStore } from '@cellkit/trainer/node';
import { syntheticData } from '@cellkit/trainer/testing';

export interface TinyPolicyOptions {
  /** Parent folder; the bundle goes to `<dir>/<name>`. */
  dir: string;
  /** Default `tiny`. */
  name?: string;
  /** Rename the joints (a bundle "for another robot"). */
  jointNames?: string[];
  /** Default 2. */
  epochs?: number;
  /** Cameras: a tiny `chunk` policy on 16×16 synthetic frames instead of the mlp. */
  cameras?: string[];
}

/** Trains and saves; returns the bundle folder. */
export async function trainTinyPolicy(opts: TinyPolicyOptions): Promise<string> {
  await initBackend({ prefer: 'wasm' });
  const cameras = opts.cameras ?? [];
  const data = syntheticData({ episodes: 4, length: 30, seed: 3, cameras, imageSize: 16 });
  if (opts.jointNames) {
    const from = data.jointNames ?? [];
    const rename = (n: string) => from.reduce((s, j, i) => s.replace(j, opts.jointNames![i]!), n);
    Object.assign(data, { jointNames: opts.jointNames, stateNames: data.stateNames.map(rename), actionNames: data.actionNames.map(rename) });
  }
  const policy = cameras.length > 0
    ? { policy: 'chunk', policyOptions: { filters: [4, 8], kernelSizes: [3, 3], strides: [2, 1], hiddenUnits: [16], horizon: 4 } }
    : { policy: 'mlp', policyOptions: { hiddenUnits: [16] } };
  const result = await train({ data, ...policy, epochs: opts.epochs ?? 2, batchSize: 16, seed: 1, validationFraction: 0.25 });
  const dir = join(opts.dir, opts.name ?? 'tiny');
  await saveBundle(result, new DirBundleStore(dir));
  result.model.dispose();
  return dir;
}
