import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/initBackend.ts';
import { SpatialSoftmax } from './chunk/SpatialSoftmax.ts';
import { getPolicy, listPolicies } from './registry.ts';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

describe('policy registry', () => {
  it('registers mlp and chunk, rejects unknown names and options with the choices', () => {
    expect(listPolicies()).toEqual(['chunk', 'mlp']);
    expect(() => getPolicy('act')).toThrow(/expected one of \[chunk, mlp\], found 'act'/);
    expect(() => getPolicy('mlp').resolveOptions({ hiddenUnit: [3] })).toThrow(/unknown option 'hiddenUnit'/);
    expect(getPolicy('chunk').resolveOptions({ horizon: 4 }).horizon).toBe(4);
    expect(() => getPolicy('chunk').resolveOptions({ filters: [8], strides: [1, 1] })).toThrow(/equal length/);
  });
});

describe('SpatialSoftmax', () => {
  it('returns the expected x/y of each channel: a sharp peak lands on its pixel coordinate', () => {
    // 1×5×3×2 maps: channel 0 peaks at row 4, col 0; channel 1 at row 0, col 2.
    const v = new Float32Array(5 * 3 * 2);
    v[(4 * 3 + 0) * 2 + 0] = 50;
    v[(0 * 3 + 2) * 2 + 1] = 50;
    const layer = new SpatialSoftmax();
    const out = (layer.apply(tf.tensor4d(v, [1, 5, 3, 2])) as tf.Tensor).dataSync();
    // [x0, x1, y0, y1]; x spans columns −1…1, y spans rows −1…1.
    expect(Array.from(out).map((a) => Number(a.toFixed(3)))).toEqual([-1, 1, 1, -1]);
    const flat = (layer.apply(tf.zeros([1, 5, 3, 2])) as tf.Tensor).dataSync();
    expect(Array.from(flat).map((a) => Math.abs(a) < 1e-6)).toEqual([true, true, true, true]);
  });
});

describe('chunk model', () => {
  it('maps state + 2 cameras to H×A and its gradients reach every conv layer on wasm', () => {
    const def = getPolicy('chunk');
    const opts = def.resolveOptions({ filters: [4, 8], kernelSizes: [3, 3], strides: [2, 1], hiddenUnits: [16], horizon: 5 });
    const io = { stateDim: 3, actionDim: 2, cameras: [{ name: 'a', shape: [16, 16, 3] as [number, number, 3] }, { name: 'b', shape: [16, 16, 3] as [number, number, 3] }] };
    const model = def.build(io, opts, 1);
    expect(model.inputs.map((i) => i.name)).toEqual(['state', 'image_a', 'image_b']);
    const inputs = [tf.randomNormal([4, 3], 0, 1, 'float32', 1), tf.randomUniform([4, 16, 16, 3], 0, 1, 'float32', 2), tf.randomUniform([4, 16, 16, 3], 0, 1, 'float32', 3)];
    expect((model.predict(inputs) as tf.Tensor).shape).toEqual([4, 10]);
    const { grads } = tf.variableGrads(() => (model.apply(inputs, { training: true }) as tf.Tensor).square().mean() as tf.Scalar,
      model.trainableWeights.map((w) => w.read() as tf.Variable));
    const convKernels = model.trainableWeights.filter((w) => /conv\d+\/kernel/.test(w.originalName));
    expect(convKernels).toHaveLength(4);
    for (const w of convKernels) {
      const g = grads[(w.read() as tf.Variable).name];
      expect(g, w.originalName).toBeDefined();
      expect(g.abs().sum().dataSync()[0], w.originalName).toBeGreaterThan(0);
    }
    const temperature = model.trainableWeights.find((w) => /keypoints\/temperature/.test(w.originalName))!;
    expect(grads[(temperature.read() as tf.Variable).name].abs().sum().dataSync()[0]).toBeGreaterThan(0);
  });
});
