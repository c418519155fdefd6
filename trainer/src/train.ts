// The training loop: behavior cloning of a registered policy on in-memory
// episodes. One readable function with named phases — prepare (split,
// normalization, model), resume, then per epoch: train steps, validation,
// early stopping, checkpoint. All I/O goes through the CheckpointStore seam.
import * as tf from '@tensorflow/tfjs';
import { FusedAdamOptimizer } from './backend/FusedAdamOptimizer.ts';
import { batchInputs, batchLoss } from './batchLoss.ts';
import type { Checkpoint, CheckpointStore, NamedArray, TrainingHistory } from './checkpoint/Checkpoint.ts';
import { modelWeights, setModelWeights, toNamedArrays, toTensors } from './checkpoint/tensorArrays.ts';
import { BatchBuilder } from './data/BatchBuilder.ts';
import { buildWindows } from './data/buildWindows.ts';
import type { SampleRef } from './data/buildWindows.ts';
import type { PolicyKinematics } from './data/derivedState.ts';
import { computeStats } from './data/Normalization.ts';
import type { Normalization } from './data/Normalization.ts';
import { Rng } from './data/Rng.ts';
import { splitEpisodes } from './data/splitEpisodes.ts';
import type { EpisodeSplit } from './data/splitEpisodes.ts';
import { cameraNames, validateTrainingData } from './data/TrainingData.ts';
import type { TrainingData } from './data/TrainingData.ts';
import type { PolicyIO, PolicyTraits } from './policies/PolicyDefinition.ts';
import { getPolicy } from './policies/registry.ts';
import { dataParallelStep } from './parallel/dataParallelStep.ts';
import type { GradientHelper, GradientHelperFactory } from './parallel/GradientHelper.ts';

export interface TrainProgress {
  /** 0-based epoch. */
  epoch: number;
  epochs: number;
  /** 1-based step within the epoch. */
  step: number;
  steps: number;
  /** Running mean training loss of this epoch. */
  loss: number;
  /** Set on the last report of an epoch, after validation. */
  valLoss?: number;
  samplesPerSec: number;
  /** Estimated seconds to finish all epochs at the current speed. */
  etaSec: number;
  /** The learning rate of the step just taken (see `learningRateSchedule`). */
  learningRate: number;
}

export type LearningRateSchedule = 'constant' | 'cosine';
export const LEARNING_RATE_SCHEDULES: readonly LearningRateSchedule[] = ['constant', 'cosine'];

/** The learning rate at `progress` (0 = the first step, 1 = after the last) of a run. */
export function scheduledLearningRate(base: number, schedule: LearningRateSchedule, progress: number): number {
  if (schedule === 'constant') return base;
  return base * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, Math.max(0, progress))));
}

export interface TrainOptions {
  data: TrainingData;
  /** Registered policy name: 'mlp' | 'chunk' | … */
  policy: string;
  /** Policy options over its defaults (see each policy's options type). */
  policyOptions?: object;
  /** Default 50. */
  epochs?: number;
  /** Default 32. */
  batchSize?: number;
  /** Adam learning rate. Default 1e-3. */
  learningRate?: number;
  /**
   * 'constant', or 'cosine': from `learningRate` down to 0 over `epochs`
   * (per step; a stopped and resumed run follows the same curve). Default 'constant'.
   */
  learningRateSchedule?: LearningRateSchedule;
  /** Seeds the split, initialization, shuffling and augmentation. Default 0. */
  seed?: number;
  /** Fraction of episodes held out for validation. Default 0.1. */
  validationFraction?: number;
  /** Stop after this many epochs without a better validation loss; 0 = never. Default 10. */
  earlyStoppingPatience?: number;
  /** Cap on optimizer steps per epoch (default: one pass over the training samples). */
  stepsPerEpoch?: number;
  /** Where a checkpoint is saved after every epoch. */
  checkpoint?: CheckpointStore;
  /** Continue from the store's latest checkpoint if there is one. Default false. */
  resume?: boolean;
  onProgress?: (p: TrainProgress) => void;
  /** Abort between steps; the last completed epoch's checkpoint remains. */
  signal?: AbortSignal;
  /**
   * Computes half of every batch's gradient elsewhere, e.g. on a second core
   * (`workerGradientHelper()` from '@cellkit/trainer/node'): the same update,
   * about twice the throughput for image policies on an idle 2-core machine.
   * Default: none (one thread).
   */
  gradientHelper?: GradientHelperFactory;
}

/** What a trained policy was trained on; copied into the policy bundle. */
export interface TrainedOn {
  stateNames: string[];
  actionNames: string[];
  rate: number;
  datasetId: string | null;
  datasetHash: string | null;
  robotProfile: string | null;
  jointNames: string[];
  /** Actions the demonstrations only ever set to 0 or 1 (a gripper opened or closed): the runtime snaps them too. */
  binaryActions: string[];
  /** Arm model and tool point of derived columns (tcp_pose / tcp_height state, twist actions); null when none are used. */
  kinematics: PolicyKinematics | null;
}

/** Names of the action columns whose every recorded value is exactly 0 or 1. */
export function binaryActionNames(data: TrainingData): string[] {
  const A = data.actionNames.length;
  return data.actionNames.filter((_, c) => data.episodes.every((ep) => {
    for (let t = 0; t < ep.length; t++) {
      const v = ep.actions[t * A + c];
      if (v !== 0 && v !== 1) return false;
    }
    return true;
  }));
}

export interface TrainResult {
  model: tf.LayersModel;
  trainedOn: TrainedOn;
  policy: string;
  policyOptions: object;
  traits: PolicyTraits;
  io: PolicyIO;
  normalization: Normalization;
  split: EpisodeSplit;
  history: TrainingHistory;
  /** Epochs completed (including ones done before a resume). */
  epochsRun: number;
  stoppedEarly: boolean;
  /** Epoch index training resumed at (0 when it started fresh). */
  resumedFromEpoch: number;
}

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const epochs = opts.epochs ?? 50;
  const batchSize = opts.batchSize ?? 32;
  const seed = opts.seed ?? 0;
  const patience = opts.earlyStoppingPatience ?? 10;
  const { data } = opts;

  // Prepare: policy, split by episode, normalization from training episodes, model.
  const def = getPolicy(opts.policy);
  const policyOptions = def.resolveOptions(opts.policyOptions as never);
  const traits = def.traits(policyOptions);
  const cameras = traits.usesImages ? cameraNames(data) : [];
  validateTrainingData(data, cameras);
  const split = splitEpisodes(data.episodes.length, { validationFraction: opts.validationFraction ?? 0.1, seed });
  const normalization: Normalization = {
    state: computeStats(split.train.map((e) => data.episodes[e].states), data.stateNames.length, data.stateNames),
    action: computeStats(split.train.map((e) => data.episodes[e].actions), data.actionNames.length, data.actionNames),
  };
  const io: PolicyIO = {
    stateDim: data.stateNames.length,
    actionDim: data.actionNames.length,
    cameras: cameras.map((name) => ({ name, shape: data.imageShapes![name] })),
  };
  const model = def.build(io, policyOptions, seed);
  // tf.train.adam's update, one SIMD pass per variable on wasm (FusedAdamOptimizer.ts).
  const baseLearningRate = opts.learningRate ?? 1e-3;
  const schedule = opts.learningRateSchedule ?? 'constant';
  if (!LEARNING_RATE_SCHEDULES.includes(schedule)) throw new Error(`train: learningRateSchedule expected one of ${LEARNING_RATE_SCHEDULES.join(', ')}, found ${String(schedule)}`);
  const optimizer = new FusedAdamOptimizer(baseLearningRate);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const trainRefs = buildWindows(data, split.train);
  const valRefs = buildWindows(data, split.validation);
  // Each batch becomes tensors (copies) before the next is built, so the builders reuse their arrays (less GC).
  const builder = (shiftPad: number): BatchBuilder => new BatchBuilder({ data, normalization, horizon: traits.horizon, cameras, shiftPad, reuseBuffers: true });
  const trainBatches = builder(traits.shiftPad);
  const valBatches = builder(0);
  const lossOpts = { horizon: traits.horizon, actionDim: io.actionDim, loss: traits.loss };
  const steps = Math.min(opts.stepsPerEpoch ?? Infinity, Math.ceil(trainRefs.length / batchSize));

  let rng = new Rng(seed ^ 0x5eed5eed);
  let history: TrainingHistory = { trainLoss: [], valLoss: [], bestEpoch: -1, bestValLoss: Infinity, samplesPerSec: [] };
  let bestWeights: NamedArray[] | null = null;
  let startEpoch = 0;
  let stopped = false;

  // Resume: weights, optimizer slots, RNG and history from the latest checkpoint.
  if (opts.resume && opts.checkpoint != null) {
    const ck = await opts.checkpoint.load();
    if (ck != null) {
      if (ck.policy !== opts.policy) {
        throw new Error(`train: checkpoint is for policy '${ck.policy}', expected '${opts.policy}'; use another checkpoint folder or resume: false`);
      }
      setModelWeights(model, ck.weights);
      if (ck.optimizer.length > 0) await optimizer.setWeights(toTensors(ck.optimizer));
      rng = new Rng(ck.rngState);
      history = ck.history;
      bestWeights = ck.bestWeights;
      startEpoch = ck.epoch;
      stopped = ck.stopped;
    }
  }

  const helper: GradientHelper | null = opts.gradientHelper == null ? null : await opts.gradientHelper({
    policy: opts.policy, policyOptions, io, variableShapes: variables.map((v) => v.shape), loss: { horizon: traits.horizon, actionDim: io.actionDim, loss: traits.loss },
  });
  try {
    return await runEpochs();
  } finally {
    await helper?.close();
  }

  async function runEpochs(): Promise<TrainResult> {
    const started = performance.now();
    let stepsDone = 0;
    let lastYield = started;
    for (let epoch = startEpoch; epoch < epochs && !stopped; epoch++) {
      // Train: one shuffled pass (or `steps` batches), reporting after every step.
      const order = rng.shuffle(trainRefs.slice());
      const epochStart = performance.now();
      let lossSum = 0;
      let samples = 0;
      for (let step = 0; step < steps; step++) {
        if (opts.signal?.aborted) throw new Error(`train: aborted at epoch ${epoch}, step ${step}; resume from the checkpoint of epoch ${epoch}`);
        const refs = order.slice(step * batchSize, (step + 1) * batchSize);
        const batch = trainBatches.build(refs, rng);
        const learningRate = scheduledLearningRate(baseLearningRate, schedule, (epoch * steps + step) / (epochs * steps));
        optimizer.rate = learningRate;
        let value: number;
        if (helper != null) {
          value = await dataParallelStep({ helper, model, variables, optimizer, batch, io, loss: lossOpts });
        } else {
          const inputs = batchInputs(batch, io.stateDim, io.cameras);
          const loss = optimizer.minimize(() => batchLoss(model, inputs, batch, { ...lossOpts, training: true }), true, variables)!;
          value = (await loss.data())[0];
          tf.dispose([loss, ...inputs]);
        }
        if (!Number.isFinite(value)) {
          throw new Error(`train: loss became ${value} at epoch ${epoch}, step ${step}; lower the learning rate (now ${opts.learningRate ?? 1e-3}) or check the data for NaN`);
        }
        lossSum += value * batch.size;
        samples += batch.size;
        stepsDone++;
        const elapsed = (performance.now() - epochStart) / 1000;
        const perStep = (performance.now() - started) / 1000 / stepsDone;
        opts.onProgress?.({
          epoch, epochs, step: step + 1, steps, loss: lossSum / samples,
          samplesPerSec: samples / Math.max(elapsed, 1e-9),
          etaSec: perStep * ((epochs - epoch - 1) * steps + (steps - step - 1)),
          learningRate,
        });
        if (performance.now() - lastYield > 50) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
      }
      const samplesPerSec = samples / Math.max((performance.now() - epochStart) / 1000, 1e-9);

      // Validate: the same loss, no augmentation, no dropout.
      const valLoss = valRefs.length > 0 ? evaluate(model, valBatches, valRefs, batchSize, io, lossOpts) : NaN;
      history.trainLoss.push(lossSum / samples);
      history.valLoss.push(valLoss);
      history.samplesPerSec.push(samplesPerSec);
      const learningRate = optimizer.rate;
      opts.onProgress?.({ epoch, epochs, step: steps, steps, loss: lossSum / samples, valLoss, samplesPerSec, etaSec: 0, learningRate });

      // Early stopping on validation loss; keep the best weights to restore.
      if (Number.isFinite(valLoss) && valLoss < history.bestValLoss) {
        history.bestValLoss = valLoss;
        history.bestEpoch = epoch;
        bestWeights = await modelWeights(model);
      } else if (patience > 0 && history.bestEpoch >= 0 && epoch - history.bestEpoch >= patience) {
        stopped = true;
      }

      // Checkpoint: the state after this epoch, so a crash loses at most one epoch.
      if (opts.checkpoint != null) {
        await opts.checkpoint.save({
          version: 1, policy: opts.policy, policyOptions, epoch: epoch + 1,
          weights: await modelWeights(model), bestWeights,
          optimizer: await toNamedArrays(await optimizer.getWeights()),
          rngState: rng.state, history, normalization, split, stopped,
        });
      }
    }
    if (bestWeights != null) setModelWeights(model, bestWeights);
    optimizer.dispose();
    const trainedOn: TrainedOn = {
      stateNames: [...data.stateNames], actionNames: [...data.actionNames], rate: data.rate,
      datasetId: data.datasetId ?? null, datasetHash: data.datasetHash ?? null,
      robotProfile: data.robotProfile ?? null, jointNames: [...(data.jointNames ?? [])],
      binaryActions: binaryActionNames(data),
      kinematics: data.kinematics ? { arm: data.kinematics.arm, toolOffset: [...data.kinematics.toolOffset] } : null,
    };
    return {
      model, trainedOn, policy: opts.policy, policyOptions, traits, io, normalization, split, history,
      epochsRun: history.trainLoss.length, stoppedEarly: stopped, resumedFromEpoch: startEpoch,
    };
  }
}

function evaluate(
  model: tf.LayersModel, builder: BatchBuilder, refs: SampleRef[], batchSize: number, io: PolicyIO,
  lossOpts: { horizon: number; actionDim: number; loss: 'mse' | 'l1' },
): number {
  let sum = 0;
  for (let i = 0; i < refs.length; i += batchSize) {
    const batch = builder.build(refs.slice(i, i + batchSize));
    const inputs = batchInputs(batch, io.stateDim, io.cameras);
    const loss = batchLoss(model, inputs, batch, { ...lossOpts, training: false });
    sum += loss.dataSync()[0] * batch.size;
    tf.dispose([loss, ...inputs]);
  }
  return sum / refs.length;
}

/** Lets timers, progress UIs and abort signals run between steps (every ~50 ms, not per step). */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** The `metrics.json` document of a run. */
export function trainingMetrics(result: TrainResult): Record<string, unknown> {
  const h = result.history;
  return {
    policy: result.policy,
    epochs: result.epochsRun,
    stoppedEarly: result.stoppedEarly,
    bestEpoch: h.bestEpoch,
    bestValLoss: Number.isFinite(h.bestValLoss) ? h.bestValLoss : null,
    trainLoss: h.trainLoss,
    valLoss: h.valLoss.map((v) => (Number.isFinite(v) ? v : null)),
    samplesPerSec: h.samplesPerSec,
    trainEpisodes: result.split.train.length,
    validationEpisodes: result.split.validation.length,
  };
}
