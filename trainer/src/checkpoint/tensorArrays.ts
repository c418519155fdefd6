// Conversions between tfjs tensors and plain typed arrays for checkpoints.
import * as tf from '@tensorflow/tfjs';
import type { NamedArray } from './Checkpoint.ts';

export async function toNamedArrays(items: { name: string; tensor: tf.Tensor }[]): Promise<NamedArray[]> {
  return Promise.all(items.map(async ({ name, tensor }) => {
    const dtype = tensor.dtype === 'int32' ? 'int32' : 'float32';
    const data = (await tensor.data()) as Float32Array | Int32Array;
    return { name, shape: [...tensor.shape], dtype, data: dtype === 'int32' ? Int32Array.from(data) : Float32Array.from(data) };
  }));
}

export function toTensors(arrays: NamedArray[]): { name: string; tensor: tf.Tensor }[] {
  return arrays.map((a) => ({ name: a.name, tensor: tf.tensor(a.data, a.shape, a.dtype) }));
}

/** Model weights as arrays, in `model.weights` order. */
export async function modelWeights(model: tf.LayersModel): Promise<NamedArray[]> {
  return toNamedArrays(model.weights.map((w) => ({ name: w.originalName, tensor: w.read() })));
}

/** Sets model weights by position, checking shapes (names get uniquifying suffixes across models). */
export function setModelWeights(model: tf.LayersModel, arrays: NamedArray[]): void {
  if (arrays.length !== model.weights.length) {
    throw new Error(`checkpoint: expected ${model.weights.length} weight arrays for this model, found ${arrays.length}; was it saved with other policy options?`);
  }
  const tensors = arrays.map((a, i) => {
    const expected = model.weights[i].shape;
    if (expected.join('x') !== a.shape.join('x')) {
      throw new Error(`checkpoint: weight ${i} (${model.weights[i].originalName}) expected shape [${expected}], found [${a.shape}]; was it saved with other policy options?`);
    }
    return tf.tensor(a.data, a.shape, a.dtype);
  });
  model.setWeights(tensors);
  tf.dispose(tensors);
}
