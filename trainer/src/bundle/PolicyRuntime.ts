// Runs a loaded policy one control step at a time: normalize the observation,
// run the model, de-normalize, and (chunk policies) temporally ensemble the
// overlapping chunks. Synchronous per step so the policy runner's loop can
// time it; the bridge calls `reset()` at every episode start.
import * as tf from '@tensorflow/tfjs';
import { denormalize, normalizeInto } from '../data/Normalization.ts';
import { shiftedFrame } from '../data/randomShift.ts';
import { TWIST_ACTION_PREFIX } from '../data/fromDataset.ts';
import { TemporalEnsembler } from '../policies/chunk/TemporalEnsembler.ts';
import type { LoadedBundle } from './loadBundle.ts';

export interface Observation {
  /** State in the manifest's `inputs.state` order, SI units. */
  state: ArrayLike<number>;
  /** Camera name → H×W×3 RGB bytes at the manifest's shape. */
  images?: Record<string, Uint8Array>;
  /**
   * The tool point's position now (m, base frame): forward kinematics of the
   * measured joints with the bundle's arm and tool (`manifest.kinematics`).
   * Chunk policies with twist outputs then track where their chunks say the
   * tool should be (`PolicyRuntimeOptions.trackGain`); without it, velocities only.
   */
  tcpPosition?: ArrayLike<number>;
  /** The speed scale (0, 1] the runner executes the velocities at (tracking follows the plan as executed). Default 1. */
  speedScale?: number;
}

export interface PolicyRuntimeOptions {
  /**
   * 1/s. Chunk policies with twist outputs: the linear velocity gets
   * gain × (where the ensembled chunks say the tool should be − where it is),
   * capped at TRACK_MAX_CORRECTION, when the observation carries
   * `tcpPosition` (TemporalEnsembler `track`). 0 turns it off. Default TRACK_GAIN.
   */
  trackGain?: number;
}

/**
 * Default tracking gain (1/s): a tool 1 cm behind the chunks' plan gets 4 cm/s more
 * toward it. pick_place, the same 50 eval seeds: one trained policy 38/50 at 4/s, 37/50
 * at 8/s, 32/50 without tracking; another 25/50 at 4/s, 18/50 without.
 */
export const TRACK_GAIN = 4;
/** Cap (m/s) of the tracking correction: at most what the demonstrations' slow moves are, whatever the lag. */
export const TRACK_MAX_CORRECTION = 0.05;
const LINEAR_TWIST = ['vx', 'vy', 'vz'].map((n) => TWIST_ACTION_PREFIX + n);

export class PolicyRuntime {
  private readonly ensembler: TemporalEnsembler | null;
  private readonly stateBuf: Float32Array;
  /** Columns snapped to 0/1 (manifest `outputs.binary`). */
  private readonly binary: number[];
  /** Output columns of vx, vy, vz when the runtime tracks (a twist chunk policy, gain > 0); else null. */
  private readonly trackColumns: number[] | null;
  /** 1/s; 0 when not tracking. */
  readonly trackGain: number;

  constructor(readonly bundle: LoadedBundle, options: PolicyRuntimeOptions = {}) {
    const m = bundle.manifest;
    const gain = options.trackGain ?? TRACK_GAIN;
    if (!(Number.isFinite(gain) && gain >= 0)) throw new Error(`PolicyRuntime: trackGain expects a number ≥ 0 (1/s; 0 = off), found ${gain}`);
    this.binary = (m.outputs.binary ?? []).map((name) => m.outputs.action.indexOf(name)).filter((i) => i >= 0);
    this.stateBuf = new Float32Array(m.inputs.state.length);
    const ensembles = m.outputs.horizon > 1 && m.traits.ensembleM != null;
    const linear = LINEAR_TWIST.map((name) => m.outputs.action.indexOf(name));
    this.trackColumns = ensembles && gain > 0 && linear.every((i) => i >= 0) ? linear : null;
    this.trackGain = this.trackColumns ? gain : 0;
    this.ensembler = ensembles
      ? new TemporalEnsembler({
        horizon: m.outputs.horizon, actionDim: m.outputs.action.length, m: m.traits.ensembleM!,
        ...(this.trackColumns ? { track: { columns: this.trackColumns, dt: 1 / m.rate } } : {}),
      })
      : null;
  }

  /** The action to execute now (A values, SI units, manifest `outputs.action` order). */
  predict(obs: Observation): Float32Array {
    const chunk = this.predictChunk(obs);
    const tcp = this.trackColumns && obs.tcpPosition;
    if (tcp && tcp.length !== 3) throw new Error(`PolicyRuntime: tcpPosition expects 3 values (x, y, z in m), found ${tcp.length}`);
    const action = this.ensembler != null ? this.ensembler.push(chunk, tcp || undefined) : chunk.slice(0, this.bundle.manifest.outputs.action.length);
    const target = tcp ? this.ensembler!.target(obs.speedScale ?? 1) : null;
    if (tcp && target) {
      // Toward where the chunks say the tool should be, capped (a blocked arm must not be pushed harder and harder).
      const d = [0, 1, 2].map((j) => this.trackGain * (target[j]! - tcp[j]!));
      const scale = Math.min(1, TRACK_MAX_CORRECTION / (Math.hypot(d[0]!, d[1]!, d[2]!) || 1));
      this.trackColumns!.forEach((col, j) => (action[col] = action[col]! + d[j]! * scale));
    }
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
