import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend/initBackend.ts';
import { MemoryCheckpointStore } from './checkpoint/Checkpoint.ts';
import { syntheticData } from './testing/syntheticData.ts';
import { train, trainingMetrics } from './train.ts';
import type { TrainProgress } from './train.ts';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

describe('train', () => {
  it('mlp learns a synthetic state → action mapping (training loss falls > 20×) and reports progress', async () => {
    const progress: TrainProgress[] = [];
    const result = await train({
      data: syntheticData({ episodes: 8, length: 50 }), policy: 'mlp', policyOptions: { hiddenUnits: [64, 64] },
      epochs: 15, batchSize: 32, learningRate: 3e-3, seed: 2, validationFraction: 0.25, earlyStoppingPatience: 0,
      onProgress: (p) => progress.push(p),
    });
    const loss = result.history.trainLoss;
    expect(loss).toHaveLength(15);
    expect(loss[loss.length - 1]).toBeLessThan(loss[0] / 20);
    expect(result.split.validation).toHaveLength(2);
    expect(result.history.valLoss.every(Number.isFinite)).toBe(true);
    const last = progress[progress.length - 1];
    expect(last).toMatchObject({ epoch: 14, epochs: 15, step: last.steps });
    expect(last.valLoss).toBeDefined();
    expect(progress.every((p) => p.samplesPerSec > 0 && p.etaSec >= 0)).toBe(true);
    const metrics = trainingMetrics(result);
    expect(metrics.trainLoss).toEqual(loss);
    expect(JSON.parse(JSON.stringify(metrics)).bestEpoch).toBe(result.history.bestEpoch);
  });

  it('chunk trains on wasm with 2 cameras: loss decreases over a few steps', async () => {
    const result = await train({
      data: syntheticData({ episodes: 3, length: 16, cameras: ['top', 'wrist'], imageSize: 32 }),
      policy: 'chunk', policyOptions: { filters: [8, 16], kernelSizes: [5, 3], strides: [2, 1], hiddenUnits: [64], horizon: 4 },
      epochs: 6, batchSize: 16, learningRate: 1e-3, seed: 1, validationFraction: 0, earlyStoppingPatience: 0,
    });
    const loss = result.history.trainLoss;
    expect(loss).toHaveLength(6);
    expect(loss[5]).toBeLessThan(loss[0] * 0.8);
    expect(result.io.cameras.map((c) => c.name)).toEqual(['top', 'wrist']);
  });

  it('cosine schedule: the rate falls from --lr to 0 over the run, and the weights stop moving with it', async () => {
    const saved: number[][][] = [];
    const store = new (class extends MemoryCheckpointStore {
      override async save(c: Parameters<MemoryCheckpointStore['save']>[0]): Promise<void> {
        saved.push(c.weights.map((w) => Array.from(w.data)));
        await super.save(c);
      }
    })();
    const progress: TrainProgress[] = [];
    await train({
      data: syntheticData({ episodes: 4, length: 30 }), policy: 'mlp', epochs: 8, batchSize: 16, learningRate: 0.01,
      learningRateSchedule: 'cosine', seed: 2, validationFraction: 0, earlyStoppingPatience: 0, checkpoint: store, onProgress: (p) => progress.push(p),
    });
    const steps = progress.filter((p) => p.valLoss === undefined);
    const rates = steps.map((p) => p.learningRate);
    expect(rates[0]).toBe(0.01);
    for (let i = 1; i < rates.length; i++) expect(rates[i]).toBeLessThan(rates[i - 1]);
    expect(rates.at(-1)).toBeLessThan(0.01 * 0.01);
    const mid = steps.find((p) => p.epoch === 4 && p.step === 1)!;
    expect(mid.learningRate).toBeCloseTo(0.005, 6);
    // How far the weights moved in an epoch: the last epoch's step is a small fraction of the first's.
    const moved = (a: number[][], b: number[][]): number => {
      const [fa, fb] = [a.flat(), b.flat()];
      return Math.sqrt(fa.reduce((sum, x, i) => sum + (x - fb[i]) ** 2, 0));
    };
    expect(moved(saved[7], saved[6])).toBeLessThan(0.1 * moved(saved[1], saved[0]));
    await expect(train({ data: syntheticData({ episodes: 2, length: 10 }), policy: 'mlp', epochs: 1, learningRateSchedule: 'step' as never })).rejects.toThrow(/learningRateSchedule expected one of constant, cosine, found step/);
  });

  it('early stopping halts after `patience` epochs without a better validation loss and restores the best weights', async () => {
    // A huge learning rate makes validation worse after the first epochs.
    const store = new MemoryCheckpointStore();
    const result = await train({
      data: syntheticData({ episodes: 6, length: 30 }), policy: 'mlp', epochs: 40, batchSize: 16,
      learningRate: 0.05, seed: 3, validationFraction: 0.34, earlyStoppingPatience: 2, checkpoint: store,
    });
    expect(result.stoppedEarly).toBe(true);
    expect(result.epochsRun).toBe(result.history.bestEpoch + 3);
    const best = store.latest!.bestWeights!;
    const last = store.latest!.weights;
    const now = result.model.getWeights().map((w) => Array.from(w.dataSync()));
    expect(now).toEqual(best.map((w) => Array.from(w.data)));
    expect(now).not.toEqual(last.map((w) => Array.from(w.data)));
  });

  it('resumes from a checkpoint at its epoch and continues exactly like an uninterrupted run', async () => {
    const data = syntheticData({ episodes: 5, length: 30, cameras: ['top'], imageSize: 16 });
    const base = {
      data, policy: 'chunk', policyOptions: { filters: [4], kernelSizes: [3], strides: [2], hiddenUnits: [32], horizon: 3 },
      batchSize: 16, learningRate: 2e-3, seed: 4, validationFraction: 0.2, earlyStoppingPatience: 0,
    } as const;
    const full = await train({ ...base, epochs: 4 });

    const store = new MemoryCheckpointStore();
    const first = await train({ ...base, epochs: 2, checkpoint: store });
    expect(store.saves).toBe(2);
    expect(store.latest?.epoch).toBe(2);
    expect(first.resumedFromEpoch).toBe(0);
    const resumed = await train({ ...base, epochs: 4, checkpoint: store, resume: true });
    expect(resumed.resumedFromEpoch).toBe(2);
    expect(resumed.epochsRun).toBe(4);
    expect(resumed.history.trainLoss.slice(0, 2)).toEqual(first.history.trainLoss);
    for (let i = 0; i < 4; i++) {
      expect(resumed.history.trainLoss[i]).toBeCloseTo(full.history.trainLoss[i], 4);
      expect(resumed.history.valLoss[i]).toBeCloseTo(full.history.valLoss[i], 4);
    }
    const a = resumed.model.getWeights().map((w) => w.dataSync());
    const b = full.model.getWeights().map((w) => w.dataSync());
    for (let i = 0; i < a.length; i++) {
      let d = 0;
      for (let j = 0; j < a[i].length; j++) d = Math.max(d, Math.abs(a[i][j] - b[i][j]));
      expect(d).toBeLessThan(1e-4);
    }
    tf.dispose([full.model, first.model, resumed.model] as never);
  });

  it('refuses a checkpoint of another policy', async () => {
    const store = new MemoryCheckpointStore();
    const data = syntheticData({ episodes: 3, length: 10 });
    await train({ data, policy: 'mlp', epochs: 1, checkpoint: store });
    await expect(train({ data: syntheticData({ episodes: 3, length: 10, cameras: ['top'], imageSize: 8 }), policy: 'chunk', epochs: 1, checkpoint: store, resume: true, policyOptions: { filters: [2], kernelSizes: [3], strides: [1], hiddenUnits: [4] } }))
      .rejects.toThrow(/checkpoint is for policy 'mlp', expected 'chunk'/);
  });
});
