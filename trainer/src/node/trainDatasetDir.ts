// One training run from a dataset folder to a policy bundle folder — what
// `cellkit train` does, minus argument parsing and printing:
//
//   <out>/model.json, weights.bin, policy.json   the bundle (written at the end)
//   <out>/metrics.json                           loss curves, throughput, data report
//   <out>/checkpoints/checkpoint.json + .bin     after every epoch (DirCheckpointStore)
//   <out>/checkpoints/run.json                   the run's settings, dataset hash, and the
//                                                arm + tool derived inputs were computed with
//
// run.json makes `--resume` safe and short: settings not given again are taken
// from it, settings given differently (other than `epochs`) are refused, and
// the dataset must still hash the same — a resumed run is the same run.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openDatasetDir } from '@cellkit/datasets';
import type { BackendInfo } from '../backend/initBackend.ts';
import { saveBundle } from '../bundle/saveBundle.ts';
import type { PolicyManifest } from '../bundle/PolicyManifest.ts';
import type { DerivedStateProviders, PolicyKinematics } from '../data/derivedState.ts';
import { DERIVED_STATE_GROUPS } from '../data/derivedState.ts';
import { DatasetSelectionError, datasetToTrainingData } from '../data/fromDataset.ts';
import type { ActionTarget, DatasetConversionReport, SelectableOutcome, StateGroup } from '../data/fromDataset.ts';
import type { TrainingData } from '../data/TrainingData.ts';
import { getPolicy } from '../policies/registry.ts';
import { train, trainingMetrics } from '../train.ts';
import type { LearningRateSchedule, TrainProgress, TrainResult } from '../train.ts';
import { DirBundleStore } from './DirBundleStore.ts';
import { DirCheckpointStore } from './DirCheckpointStore.ts';

/** Settings that define a run; undefined = the saved value on resume, else the default. */
export interface RunSettings {
  policy: string;
  policyOptions: object;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** 'constant' or 'cosine' (to 0 over `epochs`). */
  learningRateSchedule: LearningRateSchedule;
  seed: number;
  validationFraction: number;
  earlyStoppingPatience: number;
  rate: number;
  /** [width, height] of camera frames. */
  imageSize: [number, number];
  /**
   * State feature groups (of those the dataset records, plus derived ones such
   * as tcp_pose and tcp_height, which need `derivedState`); null = every recorded group.
   * Default `defaultStateFor(policy)`.
   */
  state: StateGroup[] | null;
  /** Joint outputs: 'velocity' (the recorded commands), 'position' (next-step joint positions) or 'twist' (the TCP's velocity, needs `derivedState`). */
  actionTarget: ActionTarget;
  /** null = the policy decides: every dataset camera if it uses images, else none. */
  cameras: string[] | null;
  outcomes: SelectableOutcome[];
  /** null = all episodes. */
  episodes: number[] | null;
}

/**
 * The state a run uses unless told otherwise: no joint velocities. With them
 * the policy learns to continue its current motion (copycat); measured on
 * reach, 50 demos, 10 eval episodes each: 0/10 and 2/10 with velocities,
 * 5/10 and 6/10 without.
 */
export const DEFAULT_STATE: StateGroup[] = ['joint_position', 'gripper', 'wrench'];

/**
 * The default for policies that see camera images: no joint positions either.
 * With them (or with the tool pose) an image policy learns to follow the
 * demonstrated path by where the arm is instead of where the goal is: on
 * reach, 50 demos, the same 50 unseen eval seeds: 36/50 with joint positions,
 * 49/50 without (and 20/50 with the tool pose added).
 */
export const IMAGE_POLICY_DEFAULT_STATE: StateGroup[] = ['gripper', 'wrench'];

/** The state a new run of `policy` (with `options`) uses when none is given. */
export function defaultStateFor(policy: string, options: object = {}): StateGroup[] {
  return policyUsesImages(policy, options) ? [...IMAGE_POLICY_DEFAULT_STATE] : [...DEFAULT_STATE];
}

function policyUsesImages(policy: string, options: object): boolean {
  const def = getPolicy(policy);
  return def.traits(def.resolveOptions(options as never)).usesImages;
}

export const RUN_DEFAULTS: RunSettings = {
  policy: 'mlp', policyOptions: {}, epochs: 50, batchSize: 32, learningRate: 1e-3, learningRateSchedule: 'constant', actionTarget: 'velocity', seed: 0,
  validationFraction: 0.1, earlyStoppingPatience: 10, rate: 10, imageSize: [96, 96], state: DEFAULT_STATE, cameras: null,
  outcomes: ['success'], episodes: null,
};

/**
 * Builds the providers of derived state groups (tcp_pose, tcp_height: forward kinematics,
 * which the trainer does not have) and of twist actions (the TCP Jacobian)
 * for the dataset's robot profile. `saved`:
 * what the run being resumed computed them with (null for a new run), to be
 * kept unless the caller was told otherwise.
 */
export type DerivedStateFactory = (ctx: { robotProfile: string; saved: PolicyKinematics | null }) => DerivedStateProviders;

export interface TrainDatasetDirOptions extends Partial<RunSettings> {
  dataset: string;
  out: string;
  /** Continue from `<out>/checkpoints` (required when one exists). Default false. */
  resume?: boolean;
  /** Recorded in metrics.json. */
  backend?: BackendInfo;
  /** Called only when the state asks for a derived group or the action is 'twist'; without it such a run fails with a DatasetSelectionError. */
  derivedState?: DerivedStateFactory;
  onReadEpisode?: (done: number, total: number) => void;
  /** After the data is in memory, before the first step. */
  onData?: (data: TrainingData, report: DatasetConversionReport, settings: RunSettings, resumeFrom: number) => void;
  onProgress?: (p: TrainProgress) => void;
  /** Abort between steps; the last completed epoch's checkpoint stays (see TrainInterrupted). */
  signal?: AbortSignal;
}

export interface TrainDatasetDirResult {
  result: TrainResult;
  manifest: PolicyManifest;
  report: DatasetConversionReport;
  settings: RunSettings;
  metrics: Record<string, unknown>;
  /** Wall time of this process's part of the run (data + training + save), seconds. */
  wallSec: number;
  /** Mean training samples/s over the epochs run in this process. */
  samplesPerSec: number;
}

/** A run that cannot start as asked (conflicting resume, existing checkpoint): exit 2 material. */
export class RunSettingsError extends Error {
  override name = 'RunSettingsError';
}

/** Stopped by the signal; `epochsDone` epochs are in the checkpoint. */
export class TrainInterrupted extends Error {
  override name = 'TrainInterrupted';
  constructor(readonly epochsDone: number, readonly checkpointDir: string) {
    super(`stopped; ${epochsDone} completed epoch(s) saved in ${checkpointDir}; continue with --resume`);
  }
}

const RUN_FILE = 'run.json';

export async function trainDatasetDir(opts: TrainDatasetDirOptions): Promise<TrainDatasetDirResult> {
  const started = performance.now();
  const checkpointDir = join(opts.out, 'checkpoints');
  const store = new DirCheckpointStore(checkpointDir);
  const saved = await readRun(checkpointDir);
  const hasCheckpoint = (await readJson(join(checkpointDir, 'checkpoint.json'))) != null;
  if (hasCheckpoint && !opts.resume) {
    throw new RunSettingsError(`${opts.out} already holds a training run (${checkpointDir}); pass --resume to continue it, or choose another --out`);
  }
  const settings = resolveSettings(opts, opts.resume ? saved?.settings ?? null : null);
  const def = getPolicy(settings.policy);
  const usesImages = def.traits(def.resolveOptions(settings.policyOptions as never)).usesImages;

  const dataset = await openDataset(opts.dataset);
  const savedKinematics = opts.resume ? saved?.kinematics ?? null : null;
  const derived = (settings.state ?? []).some((g) => (DERIVED_STATE_GROUPS as readonly string[]).includes(g)) || settings.actionTarget === 'twist';
  const derivedState = derived && opts.derivedState ? opts.derivedState({ robotProfile: dataset.info.robot, saved: savedKinematics }) : undefined;
  const { data, report } = await datasetToTrainingData(dataset, {
    rate: settings.rate, imageSize: settings.imageSize, outcomes: settings.outcomes, actionTarget: settings.actionTarget,
    ...(settings.state != null ? { state: settings.state } : {}),
    ...(derivedState != null ? { derivedState } : {}),
    cameras: settings.cameras ?? (usesImages ? undefined : []),
    ...(settings.episodes != null ? { episodes: settings.episodes } : {}),
    onEpisode: opts.onReadEpisode,
  });
  if (opts.resume && saved != null && hasCheckpoint && saved.datasetHash !== report.datasetHash) {
    throw new RunSettingsError(`the dataset changed since this run started (hash ${saved.datasetHash}, now ${report.datasetHash}); start a new run with another --out`);
  }
  const kinematics = data.kinematics ?? null;
  if (opts.resume && hasCheckpoint && savedKinematics != null && JSON.stringify(savedKinematics) !== JSON.stringify(kinematics)) {
    throw new RunSettingsError(
      `--resume continues a run whose TCP inputs were computed with arm ${savedKinematics.arm}, tool offset [${savedKinematics.toolOffset.join(', ')}] m; `
      + `given ${kinematics == null ? 'none' : `arm ${kinematics.arm}, tool offset [${kinematics.toolOffset.join(', ')}] m`}. Drop --arm/--tool-offset, or start a new run with another --out`,
    );
  }
  const dirStore = new DirBundleStore(opts.out);
  await new DirBundleStore(checkpointDir).write(RUN_FILE, `${JSON.stringify({ settings, datasetHash: report.datasetHash, kinematics }, null, 2)}\n`);
  const resumeFrom = opts.resume ? (await store.load())?.epoch ?? 0 : 0;
  opts.onData?.(data, report, settings, resumeFrom);

  let epochsDone = resumeFrom;
  let result: TrainResult;
  try {
    result = await train({
      data, policy: settings.policy, policyOptions: settings.policyOptions, epochs: settings.epochs,
      batchSize: settings.batchSize, learningRate: settings.learningRate, learningRateSchedule: settings.learningRateSchedule, seed: settings.seed,
      validationFraction: settings.validationFraction, earlyStoppingPatience: settings.earlyStoppingPatience,
      checkpoint: store, resume: opts.resume ?? false, signal: opts.signal,
      onProgress: (p) => {
        if (p.valLoss !== undefined) epochsDone = p.epoch + 1;
        opts.onProgress?.(p);
      },
    });
  } catch (err) {
    if (opts.signal?.aborted) throw new TrainInterrupted(epochsDone, checkpointDir);
    throw err;
  }

  const manifest = await saveBundle(result, dirStore);
  const thisProcess = result.history.samplesPerSec.slice(result.resumedFromEpoch);
  const samplesPerSec = thisProcess.length > 0 ? thisProcess.reduce((a, b) => a + b, 0) / thisProcess.length : 0;
  const wallSec = (performance.now() - started) / 1000;
  const metrics = {
    ...trainingMetrics(result),
    resumedFromEpoch: result.resumedFromEpoch,
    wallSec, backend: opts.backend ?? null, settings,
    data: { ...report, stateNames: data.stateNames, actionNames: data.actionNames },
  };
  await dirStore.write('metrics.json', `${JSON.stringify(metrics, null, 2)}\n`);
  return { result, manifest, report, settings, metrics, wallSec, samplesPerSec };
}

function resolveSettings(opts: Partial<RunSettings>, saved: RunSettings | null): RunSettings {
  // A run.json written before `state` existed used every recorded state group;
  // one from before `learningRateSchedule`, a constant rate.
  const old = saved ? { ...saved, state: saved.state ?? null, learningRateSchedule: saved.learningRateSchedule ?? 'constant', actionTarget: saved.actionTarget ?? 'velocity' } : {};
  const out = { ...RUN_DEFAULTS, ...old } as RunSettings;
  const conflicts: string[] = [];
  for (const key of Object.keys(RUN_DEFAULTS) as (keyof RunSettings)[]) {
    const given = opts[key];
    if (given === undefined) continue;
    if (saved != null && key !== 'epochs' && JSON.stringify(given) !== JSON.stringify(saved[key])) {
      conflicts.push(`${key}: run has ${JSON.stringify(saved[key])}, given ${JSON.stringify(given)}`);
    }
    (out as unknown as Record<string, unknown>)[key] = given;
  }
  if (conflicts.length > 0) {
    throw new RunSettingsError(`--resume continues a run with its own settings; these differ: ${conflicts.join('; ')}. Drop them, or start a new run with another --out`);
  }
  if (saved == null && opts.state === undefined) out.state = defaultStateFor(out.policy, out.policyOptions);
  if (out.state != null && !out.state.includes('joint_position') && !policyUsesImages(out.policy, out.policyOptions)) {
    throw new RunSettingsError(`the ${out.policy} policy sees no camera images, so its state needs joint_position (got ${out.state.join(', ')})`);
  }
  return out;
}

async function openDataset(dir: string): ReturnType<typeof openDatasetDir> {
  if ((await readJson(join(dir, 'dataset.json'))) == null) {
    throw new DatasetSelectionError(`${dir}: expected a dataset folder (with dataset.json), found none; record one with \`cellkit demo\` or the UI`);
  }
  // Training never repairs or changes episodes; the aligned cache lives in episodes/.cache.
  return openDatasetDir(dir, { recover: false, cache: 'file' });
}

/** run.json; `kinematics` is absent in runs from before derived inputs existed (they had none). */
interface RunFile {
  settings: RunSettings;
  datasetHash: string;
  kinematics?: PolicyKinematics | null;
}

async function readRun(dir: string): Promise<RunFile | null> {
  return (await readJson(join(dir, RUN_FILE))) as RunFile | null;
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
