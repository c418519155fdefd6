// Reads a policy bundle back: policy.json + the tfjs model. Importing the
// policy registry registers custom layers (SpatialSoftmax) before the model
// topology is deserialized.
import * as tf from '@tensorflow/tfjs';
import '../policies/registry.ts';
import type { BundleStore } from './BundleStore.ts';
import { assertPolicyManifest } from './PolicyManifest.ts';
import type { PolicyManifest } from './PolicyManifest.ts';
import { MANIFEST_FILE } from './saveBundle.ts';

export interface LoadedBundle {
  manifest: PolicyManifest;
  model: tf.LayersModel;
}

/**
 * Loads a bundle from a store, or from a folder path (Node only: the path form
 * loads the fs adapter on demand, so browsers never pull in `fs`).
 */
export async function loadBundle(source: BundleStore | string): Promise<LoadedBundle> {
  const store = typeof source === 'string'
    ? new (await import('../node/DirBundleStore.ts')).DirBundleStore(source)
    : source;
  const where = typeof source === 'string' ? source : 'policy bundle';
  const manifestBytes = await store.read(MANIFEST_FILE);
  if (manifestBytes == null) throw new Error(`loadBundle: expected ${MANIFEST_FILE} in ${where}, found none; is this a policy bundle folder?`);
  const manifest: unknown = JSON.parse(new TextDecoder().decode(manifestBytes));
  assertPolicyManifest(manifest, `${where}/${MANIFEST_FILE}`);
  const modelBytes = await store.read(manifest.modelFiles.topology);
  const weights = await store.read(manifest.modelFiles.weights);
  if (modelBytes == null || weights == null) {
    throw new Error(`loadBundle: expected ${manifest.modelFiles.topology} and ${manifest.modelFiles.weights} in ${where}, found ${modelBytes == null ? 'no topology' : 'no weights'}; re-export the policy`);
  }
  const modelJson = JSON.parse(new TextDecoder().decode(modelBytes)) as tf.io.ModelJSON;
  const model = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: modelJson.modelTopology,
    weightSpecs: modelJson.weightsManifest.flatMap((g) => g.weights),
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer,
  }));
  return { manifest, model };
}
