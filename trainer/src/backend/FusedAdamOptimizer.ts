// tf.train.adam's update in one SIMD pass per variable on the WASM backend
// (adamStep in filterGradSimd.ts). tfjs' AdamOptimizer runs ~15 kernels per
// variable per step; at batch 32 that is a fifth of an mlp step (measured).
//
// Same update as tf.train.adam, in float32 like its kernels:
//   m ← β1·m + (1−β1)·g        v ← β2·v + (1−β2)·g²
//   w ← w − lr/(1−β1ᵗ) · m / (√(v/(1−β2ᵗ)) + ε)
// The bias corrections come from the step count t (in float64), where
// tf.train.adam keeps a running float32 product β1ᵗ; the difference is far
// below float32 resolution of the update and a resumed run applies exactly the
// corrections an uninterrupted one does.
//
// It is an AdamOptimizer: getWeights/setWeights (checkpoints) are unchanged. On
// other backends, or if the backend's memory is not reachable, it is plain
// tf.train.adam.
//
// Hazard: results go to fresh buffers, never in place: the backend caches
// XNNPACK operators (with packed weights) by tensor id, so writing a weight in
// place would leave the next matmul on stale weights; and a tensor handed to
// setWeights is never written through.
import * as tf from '@tensorflow/tfjs';
import type { NamedTensorMap } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { gradKernels } from './filterGradSimd.ts';
import { allocF32, floatOffset, heapF32, wasmMemory } from './wasmHeap.ts';

interface Slot { originalName: string; variable: tf.Variable }
/** The protected fields of tf.AdamOptimizer this subclass reads. */
interface AdamInternals {
  learningRate: number; beta1: number; beta2: number; epsilon: number;
  accumulatedFirstMoment: Slot[]; accumulatedSecondMoment: Slot[];
  accBeta1: tf.Variable; accBeta2: tf.Variable;
  incrementIterations(): void;
}
type NamedGradients = NamedTensorMap | { name: string; tensor: tf.Tensor }[];

export class FusedAdamOptimizer extends tf.AdamOptimizer {
  static override get className(): string {
    return 'Adam';
  }

  constructor(learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon?: number) {
    super(learningRate, beta1, beta2, epsilon as number);
  }

  /** The learning rate the next update uses (both paths read it on every update: a schedule sets it per step). */
  get rate(): number {
    return (this as unknown as AdamInternals).learningRate;
  }

  set rate(value: number) {
    (this as unknown as AdamInternals).learningRate = value;
  }

  override applyGradients(variableGradients: NamedGradients): void {
    const backend = tf.backend() as unknown as BackendWasm;
    const memory = tf.getBackend() === 'wasm' ? wasmMemory(backend) : null;
    if (memory == null) {
      super.applyGradients(variableGradients as never);
      return;
    }
    const adamStep = gradKernels(memory).adamStep;
    const self = this as unknown as AdamInternals;
    const engine = tf.engine();
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    const t = this.iterations + 1;
    const { beta1: b1, beta2: b2, epsilon: eps } = self;
    const lrc = self.learningRate / (1 - Math.pow(b1, t));
    const invC2 = 1 / (1 - Math.pow(b2, t));
    names.forEach((name, i) => {
      const value = engine.registeredVariables[name];
      self.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      self.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      const g = Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
      if (g == null) return;
      if (value.dtype !== 'float32' || g.dtype !== 'float32' || g.size !== value.size) {
        throw new Error(`FusedAdamOptimizer: expected a float32 gradient of ${value.size} values for '${name}', found ${g.dtype} ${g.size}`);
      }
      const m = self.accumulatedFirstMoment[i].variable;
      const v = self.accumulatedSecondMoment[i].variable;
      const fresh = [allocF32(backend, m.shape), allocF32(backend, v.shape), allocF32(backend, value.shape)];
      const [gi, mi, vi, wi, mo, vo, wo] = [g, m, v, value, ...fresh].map((x) => floatOffset(backend, x));
      const n = value.size;
      const n4 = n >> 2;
      adamStep(gi * 4, mi * 4, vi * 4, wi * 4, mo * 4, vo * 4, wo * 4, n4, b1, 1 - b1, b2, 1 - b2, lrc, invC2, eps);
      // The last n % 4 values, in float32 like the kernel.
      const heap = heapF32(backend);
      const f = Math.fround;
      for (let k = n4 * 4; k < n; k++) {
        const gk = heap[gi + k];
        const mk = f(f(f(b1) * heap[mi + k]) + f(f(1 - b1) * gk));
        const vk = f(f(f(b2) * heap[vi + k]) + f(f(f(1 - b2) * gk) * gk));
        heap[mo + k] = mk;
        heap[vo + k] = vk;
        heap[wo + k] = heap[wi + k] - f(f(f(lrc) * mk) / f(f(Math.sqrt(f(vk * f(invC2)))) + f(eps)));
      }
      [m, v, value].forEach((variable, j) => {
        const tensor = engine.makeTensorFromTensorInfo(fresh[j]);
        variable.assign(tensor);
        tensor.dispose();
      });
    });
    // Kept in step for AdamOptimizer's own bookkeeping (setWeights recomputes them too).
    tf.tidy(() => {
      self.accBeta1.assign(tf.scalar(Math.pow(b1, t + 1)));
      self.accBeta2.assign(tf.scalar(Math.pow(b2, t + 1)));
    });
    self.incrementIterations();
  }
}
