// Runs a loaded policy one control step at a time: normalize the observation,
// run the model, de-normalize, and (chunk policies) temporally ensemble the
// overlapping chunks. Synchronous per step so the policy runner's loop can
// time it; the bridge calls `reset()` at every episode start.
import * as tf from '@tensorflow/tfjs';
import { denormalize, normalizeInto } from '../data/Normalization.ts';
import { shiftedFrame } from '../data/randomShift.ts';
import { TemporalEnsembler } from '../policies/chunk/TemporalEnsembler.ts';
import type { LoadedBundle } from './loadBundle.ts';

export interface Observation {
  /** State in the manifest's `inputs.state` order, SI units. */
  state: ArrayLike<number>;
  /** Camera name → H×W×3 RGB bytes at the manifest's shape. */
  images?: Record<string, Uint8Array>;
}

export class PolicyRuntime {
  private readonly ensembler: TemporalEnsembler | null;
  private readonly stateBuf: Float32Array;
  /** Columns snapped to 0/1 (manifest `outputs.binary`). */
  private readonly binary: number[];

  constructor(readonly bundle: LoadedBundle) {
    const m = bundle.manifest;
    this.binary = (m.outputs.binary ?? []).map((name) => m.outputs.action.indexOf(name)).filter((i) => i >= 0);
    this.stateBuf = new Float32Array(m.inputs.state.length);
    this.ensembler = m.outputs.horizon > 1 && m.traits.ensembleM != null
      ? new TemporalEnsembler({ horizon: m.outputs.horizon, actionDim: m.outputs.action.length, m: m.traits.ensembleM })
      : null;
  }

  /** The action to execute now (A values, SI units, manifest `outputs.action` order). */
  predict(obs: Observation): Float32Array {
    const chunk = this.predictChunk(obs);
    const action = this.ensembler != null ? this.ensembler.push(chunk) : chunk.slice(0, this.bundle.manifest.outputs.action.length);
    // A non-finite value stays as it is (the runner stops on it); a finite one becomes 0 or 1.
    for (const i of this.binary) if (Number.isFinite(action[i])) action[i] = action[i] >= 0.5 ? 1 : 0;
    return action;
  }

  /** The raw predicted chunk (H×A, de-normalized), without ensembling. */
  predictChunk(obs: Observation): Float32Array {
    const m = this.bundle.manifest;
    if (obs.state.length !== m.inputs.state.length) {
      throw new Error(`PolicyRuntime: expected ${m.inputs.state.length} state values [${m.inputs.state.join(', ')}], found ${obs.state.length}`);
    }
    normalizeInto(obs.state, m.normalization.state, this.stateBuf);
    const out = tf.tidy(() => {
      const inputs: tf.Tensor[] = [tf.tensor2d(this.stateBuf, [1, this.stateBuf.length])];
      for (const cam of m.inputs.cameras) {
        const [h, w] = cam.shape;
        const frame = obs.images?.[cam.name];
        if (frame == null || frame.length !== h * w * 3) {
          throw new Error(`PolicyRuntime: camera '${cam.name}' expected ${h}×${w}×3 = ${h * w * 3} bytes, found ${frame?.length ?? 'no image'}`);
        }
        const pixels = new Float32Array(h * w * 3);
        shiftedFrame(frame, 0, h, w, 0, 0, pixels, 0);
        inputs.push(tf.tensor4d(pixels, [1, h, w, 3]));
      }
      return this.bundle.model.predict(inputs) as tf.Tensor;
    });
    const normalized = out.dataSync();
    out.dispose();
    return denormalize(normalized, m.normalization.action);
  }

  /** Forget ensembling history (call at every episode start). */
  reset(): void {
    this.ensembler?.reset();
  }

  dispose(): void {
    this.bundle.model.dispose();
  }
}
