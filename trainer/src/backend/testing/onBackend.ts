import * as tf from '@tensorflow/tfjs';

/**
 * Runs `f` on the named backend and returns its result's shape and values,
 * and how many buffers the backend holds afterwards beyond before (a kernel
 * that leaks shows up as leaked > 0). For comparing a wasm kernel with cpu.
 */
export async function onBackend(name: 'cpu' | 'wasm', f: () => tf.Tensor): Promise<{ shape: number[]; data: Float32Array; leaked: number }> {
  await tf.setBackend(name);
  const before = tf.backend().numDataIds();
  const t = tf.tidy(f);
  const out = { shape: t.shape, data: (await t.data()) as Float32Array };
  t.dispose();
  return { ...out, leaked: tf.backend().numDataIds() - before };
}
