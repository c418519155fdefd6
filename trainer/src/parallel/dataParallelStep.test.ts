// A data-parallel step (half the batch's gradient from a helper) against a
// plain single-thread step on the whole batch, and train() with a real
// worker-thread helper against train() without one.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/initBackend.ts';
import { batchInputs, batchLoss } from '../batchLoss.ts';
import { BatchBuilder } from '../data/BatchBuilder.ts';
import { buildWindows } from '../data/buildWindows.ts';
import { computeStats } from '../data/Normalization.ts';
import { Rng } from '../data/Rng.ts';
import { workerGradientHelper } from '../node/workerGradientHelper.ts';
import { getPolicy } from '../policies/registry.ts';
import { syntheticData } from '../testing/syntheticData.ts';
import { train } from '../train.ts';
import { dataParallelStep } from './dataParallelStep.ts';
import { inProcessGradientHelper } from './GradientReplica.ts';

const policyOptions = { filters: [4, 8], kernelSizes: [3, 3], strides: [2, 1], hiddenUnits: [16], horizon: 4 };

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

describe('dataParallelStep', () => {
  it('applies the same update as one step on the whole batch, with padded (masked) steps in one half only', async () => {
    const data = syntheticData({ episodes: 2, length: 12, cameras: ['top'], imageSize: 16 });
    const def = getPolicy('chunk');
    const o = def.resolveOptions(policyOptions);
    const traits = def.traits(o);
    const io = { stateDim: data.stateNames.length, actionDim: data.actionNames.length, cameras: [{ name: 'top', shape: [16, 16, 3] as [number, number, 3] }] };
    const normalization = {
      state: computeStats(data.episodes.map((e) => e.states), io.stateDim, data.stateNames),
      action: computeStats(data.episodes.map((e) => e.actions), io.actionDim, data.actionNames),
    };
    // 7 samples: the last 3 sit at the end of an episode, so their chunks are partly padding.
    const refs = buildWindows(data, [0, 1]).filter((r) => r.episode === 1 && (r.step < 4 || r.step >= 9));
    expect(refs).toHaveLength(7);
    const batch = new BatchBuilder({ data, normalization, horizon: traits.horizon, cameras: ['top'], shiftPad: 2 }).build(refs, new Rng(5));
    expect(Array.from(batch.mask.subarray(4 * traits.horizon))).toContain(0);
    expect(Array.from(batch.mask.subarray(0, 4 * traits.horizon))).not.toContain(0);
    const loss = { horizon: traits.horizon, actionDim: io.actionDim, loss: traits.loss };

    const setup = (): { model: tf.LayersModel; variables: tf.Variable[]; optimizer: tf.Optimizer } => {
      const model = def.build(io, o, 7);
      return { model, variables: model.trainableWeights.map((w) => w.read() as tf.Variable), optimizer: tf.train.adam(1e-2) };
    };
    const single = setup();
    const parallel = setup();
    const helper = await inProcessGradientHelper({ policy: 'chunk', policyOptions: o, io, variableShapes: parallel.variables.map((v) => v.shape), loss });
    for (let step = 0; step < 3; step++) {
      const inputs = batchInputs(batch, io.stateDim, io.cameras);
      const l = single.optimizer.minimize(() => batchLoss(single.model, inputs, batch, { ...loss, training: true }), true, single.variables)!;
      const want = l.dataSync()[0];
      tf.dispose([l, ...inputs]);
      const got = await dataParallelStep({ helper, batch, io, loss, ...parallel });
      expect(got).toBeCloseTo(want, 5);
    }
    single.variables.forEach((v, i) => {
      const a = v.dataSync();
      const b = parallel.variables[i].dataSync();
      let worst = 0;
      for (let k = 0; k < a.length; k++) worst = Math.max(worst, Math.abs(a[k] - b[k]));
      expect(worst, v.name).toBeLessThan(1e-5);
    });
    // Without the whole-batch denominator each part would be normalized by its own count: a different loss.
    const inputs = batchInputs(batch, io.stateDim, io.cameras);
    expect(batchLoss(single.model, inputs, batch, { ...loss, training: false, denominator: 1 }).dataSync()[0])
      .not.toBeCloseTo(batchLoss(single.model, inputs, batch, { ...loss, training: false }).dataSync()[0], 3);
    await helper.close();
  });

  it('train() with a worker-thread helper: the same losses as one thread, and the same again when repeated', async () => {
    const data = syntheticData({ episodes: 3, length: 16, cameras: ['top', 'wrist'], imageSize: 16 });
    const run = (helper: boolean): ReturnType<typeof train> => train({
      data, policy: 'chunk', policyOptions, epochs: 2, batchSize: 9, learningRate: 1e-3, seed: 4, validationFraction: 0.34, earlyStoppingPatience: 0,
      gradientHelper: helper ? workerGradientHelper() : undefined,
    });
    const one = await run(false);
    const two = await run(true);
    const again = await run(true);
    expect(two.history.trainLoss).toEqual(again.history.trainLoss);
    expect(two.history.valLoss).toEqual(again.history.valLoss);
    two.history.trainLoss.forEach((l, i) => expect(l).toBeCloseTo(one.history.trainLoss[i], 4));
    two.history.valLoss.forEach((l, i) => expect(l).toBeCloseTo(one.history.valLoss[i], 4));
  }, 60_000);
});
