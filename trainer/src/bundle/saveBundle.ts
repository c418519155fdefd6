// Writes a trained policy as a bundle: model.json + weights.bin (standard
// tfjs layers-model files, written by us because tfjs' file:// handler lives
// in tfjs-node) and policy.json.
import * as tf from '@tensorflow/tfjs';
import type { TrainResult } from '../train.ts';
import { trainingMetrics } from '../train.ts';
import type { BundleStore } from './BundleStore.ts';
import { POLICY_FORMAT, POLICY_FORMAT_VERSION } from './PolicyManifest.ts';
import type { PolicyManifest } from './PolicyManifest.ts';

export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';
export const MANIFEST_FILE = 'policy.json';

export async function saveBundle(result: TrainResult, store: BundleStore, opts: { createdAt?: Date } = {}): Promise<PolicyManifest> {
  let artifacts: tf.io.ModelArtifacts | null = null;
  await result.model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
  }));
  const a = artifacts as tf.io.ModelArtifacts | null;
  if (a?.weightData == null || a.weightSpecs == null) throw new Error('saveBundle: expected tfjs to produce model weights, found none');
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(a.weightData));
  const modelJson = {
    format: 'layers-model',
    generatedBy: a.generatedBy,
    convertedBy: null,
    modelTopology: a.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: a.weightSpecs }],
  };
  const t = result.trainedOn;
  const manifest: PolicyManifest = {
    format: POLICY_FORMAT,
    version: POLICY_FORMAT_VERSION,
    policy: result.policy,
    policyOptions: result.policyOptions,
    traits: result.traits,
    inputs: { state: t.stateNames, cameras: result.io.cameras },
    outputs: { action: t.actionNames, horizon: result.traits.horizon, binary: t.binaryActions },
    normalization: result.normalization,
    rate: t.rate,
    robotProfile: t.robotProfile,
    jointNames: t.jointNames,
    ...(t.kinematics != null ? { kinematics: t.kinematics } : {}),
    dataset: { id: t.datasetId, hash: t.datasetHash },
    training: trainingMetrics(result),
    modelFiles: { topology: MODEL_FILE, weights: WEIGHTS_FILE },
    createdAt: (opts.createdAt ?? new Date()).toISOString(),
  };
  await store.write(WEIGHTS_FILE, weights);
  await store.write(MODEL_FILE, JSON.stringify(modelJson));
  // Manifest last: a folder with policy.json is a complete bundle.
  await store.write(MANIFEST_FILE, JSON.stringify(manifest, null, 2));
  return manifest;
}
