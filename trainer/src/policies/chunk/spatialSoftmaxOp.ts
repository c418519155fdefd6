// The spatial softmax as one op with an analytic gradient. For x [B, H, W, C]
// and temperature T (shape [1]), over the N = H·W pixels of each channel:
//
//   p = softmax_N(x / T)      kx = Σ_n p·X_n      ky = Σ_n p·Y_n      → [B, 2C] = [kx…, ky…]
//
// with (X_n, Y_n) the pixel's column and row in [−1, 1]. Gradient, given
// (gx, gy) for (kx, ky): the logits' gradient is
//
//   dl = p · (gx·(X − kx) + gy·(Y − ky))        (softmax Jacobian, simplified)
//   dx = dl / T                                 dT = −Σ dl·x / T²
//
// On wasm with our kernels registered (backend/spatialSoftmaxWasm.ts) both
// directions are one SIMD pass each; elsewhere the same maths in tfjs ops,
// still far fewer than autodiff through softmax, sums and broadcasts.
import * as tf from '@tensorflow/tfjs';
import { SPATIAL_SOFTMAX, SPATIAL_SOFTMAX_GRAD } from '../../backend/kernelNames.ts';

/** Whether the current backend runs the fused kernels for x with C channels. */
function fused(c: number): boolean {
  const backend = tf.getBackend();
  return c % 4 === 0 && tf.getKernel(SPATIAL_SOFTMAX, backend) != null && tf.getKernel(SPATIAL_SOFTMAX_GRAD, backend) != null;
}

/** [1, H·W, 1] x and y coordinates of each flattened pixel, in [−1, 1]. */
function pixelGrid(h: number, w: number): [tf.Tensor, tf.Tensor] {
  const xs = new Float32Array(h * w);
  const ys = new Float32Array(h * w);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      xs[i * w + j] = w > 1 ? -1 + (2 * j) / (w - 1) : 0;
      ys[i * w + j] = h > 1 ? -1 + (2 * i) / (h - 1) : 0;
    }
  }
  return [tf.tensor3d(xs, [1, h * w, 1]), tf.tensor3d(ys, [1, h * w, 1])];
}

/** Forward in tfjs ops: [keypoints [B, 2C], p [B, N, C]]. */
function forwardOps(x: tf.Tensor4D, temperature: tf.Tensor): [tf.Tensor, tf.Tensor] {
  const [b, h, w, c] = x.shape;
  const logits = x.reshape([b, h * w, c]).div(temperature);
  // exp(l − max) / Σ exp(l − max): a numerically safe softmax over axis 1.
  const e = logits.sub(logits.max(1, true)).exp();
  const p = e.div(e.sum(1, true));
  const [posX, posY] = pixelGrid(h, w);
  return [tf.concat([p.mul(posX).sum(1), p.mul(posY).sum(1)], 1), p];
}

/** Gradient in tfjs ops: [dx, dT]. */
function backwardOps(dy: tf.Tensor, x: tf.Tensor4D, temperature: tf.Tensor, p: tf.Tensor, keypoints: tf.Tensor): [tf.Tensor, tf.Tensor] {
  const [b, h, w, c] = x.shape;
  const [posX, posY] = pixelGrid(h, w);
  const at = (t: tf.Tensor, half: number): tf.Tensor => t.slice([0, half * c], [b, c]).reshape([b, 1, c]);
  const [gx, gy, kx, ky] = [at(dy, 0), at(dy, 1), at(keypoints, 0), at(keypoints, 1)];
  const dl = p.mul(posX.sub(kx).mul(gx).add(posY.sub(ky).mul(gy)));
  const dx = dl.div(temperature).reshape(x.shape);
  const dT = dl.mul(x.reshape([b, h * w, c])).sum().neg().div(temperature.square()).reshape(temperature.shape);
  return [dx, dT];
}

const op = tf.customGrad(((x: tf.Tensor4D, temperature: tf.Tensor, save: tf.GradSaveFunc) => {
  const useKernels = fused(x.shape[3]);
  const [keypoints, p] = useKernels
    ? (tf.engine().runKernel(SPATIAL_SOFTMAX, { x, temperature }, {}) as tf.Tensor[])
    : forwardOps(x, temperature);
  save([x, temperature, p, keypoints]);
  return {
    value: keypoints,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, st, sp, sk] = saved as [tf.Tensor4D, tf.Tensor, tf.Tensor, tf.Tensor];
      return useKernels
        ? (tf.engine().runKernel(SPATIAL_SOFTMAX_GRAD, { dy, p: sp, keypoints: sk, x: sx, temperature: st }, {}) as tf.Tensor[])
        : backwardOps(dy, sx, st, sp, sk);
    },
  };
}) as never) as (x: tf.Tensor4D, temperature: tf.Tensor) => tf.Tensor2D;

/** Keypoints [B, 2C] = [x_1 … x_C, y_1 … y_C] of x [B, H, W, C] at temperature [1]. */
export function spatialSoftmax(x: tf.Tensor4D, temperature: tf.Tensor): tf.Tensor2D {
  return op(x, temperature);
}
