/**
 * The Training REST API's shapes (`/api/training`, `/api/policies`), declared
 * once for the bridge (which serves them) and the UI (which reads them).
 * Types only: no imports, no I/O. Times are epoch seconds; losses are the
 * trainer's normalized losses (lower is better, no unit).
 */

/** A fault or hint as data: what happened, and what the person can do. */
export interface TrainingProblem {
  severity: 'info' | 'warning' | 'error';
  message: string;
  tip: string;
}

export type PolicyType = 'mlp' | 'chunk';

/**
 * State input groups (the trainer's STATE_GROUPS; trainingRoutes.ts checks at
 * compile time that the lists agree). tcp_pose is the tool point's position
 * and orientation from forward kinematics; tcp_height its height alone (z).
 * A policy without camera images (mlp) needs joint_position.
 */
export type StateInput = 'joint_position' | 'joint_velocity' | 'gripper' | 'wrench' | 'tcp_pose' | 'tcp_height';
/** What the policy outputs per joint: the recorded velocity commands, or the joint positions one step later. */
export type ActionKind = 'velocity' | 'position' | 'twist';
/** Learning rate over the run: constant, or cosine from `learningRate` down to 0 over the epochs. */
export type LrSchedule = 'constant' | 'cosine';
/** A policy's hyperparameters by name (JSON values), e.g. `{ hiddenUnits: [128, 128] }`. */
export type PolicyOptions = Record<string, unknown>;

/** What to train. Omitted settings take the trainer's defaults (see `TrainingDefaults`). */
export interface StartTrainingRequest {
  dataset: string;
  policy: PolicyType;
  /** Policy folder name under the policies folder; default `<dataset>-<policy>` (numbered if taken). */
  name?: string;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** Hz the episodes are aligned to and the policy runs at. */
  rate?: number;
  /** Fraction of episodes held out to measure validation loss. */
  validationFraction?: number;
  /** Epochs without a better validation loss before stopping early; 0 = never. */
  patience?: number;
  seed?: number;
  /** Which labelled episodes to learn from. Default success only. */
  outcomes?: ('success' | 'failure' | 'unlabeled')[];
  /** Action steps per prediction (chunk only). */
  horizon?: number;
  /** Camera frames are resized to [width, height] (policies that use images). */
  imageSize?: [number, number];
  /** State inputs; default the policy's (`TrainingDefaults.policies[].state`). */
  state?: StateInput[];
  /** Default `TrainingDefaults.action`. */
  action?: ActionKind;
  /** Default `TrainingDefaults.lrSchedule`. */
  lrSchedule?: LrSchedule;
  /** Policy hyperparameters (names: `TrainingDefaults.policies[].options`); applied after `horizon`. */
  options?: PolicyOptions;
}

/** The settings a run trains with (its run.json), once the worker has resolved them. */
export interface TrainingRunSettings {
  /** null: every state group the dataset records. */
  state: StateInput[] | null;
  action: ActionKind;
  lrSchedule: LrSchedule;
  learningRate: number;
  batchSize: number;
  /** The hyperparameters given (the policy's defaults for the rest). */
  options: PolicyOptions;
}

/** Continue a stopped run in its folder with its own settings; `epochs` may be raised. */
export interface ResumeTrainingRequest {
  epochs?: number;
}

export type TrainingJobState = 'starting' | 'training' | 'stopping' | 'done' | 'stopped' | 'failed';

export interface TrainingJob {
  id: string;
  /** The policy folder the bundle goes to. */
  name: string;
  dataset: string;
  policy: string;
  state: TrainingJobState;
  /** Plain words: "Reading episode 3 of 5", "Training epoch 2 of 3". */
  stage: string;
  /** Epochs finished (also counting those before a resume). */
  epochsDone: number;
  epochs: number;
  /** 0-based epoch in progress and its step (1-based) of `steps`. */
  epoch: number;
  step: number;
  steps: number;
  /** 0..1 over the whole run. */
  fraction: number;
  /** Running training loss of the epoch in progress; null before the first step. */
  loss: number | null;
  /** One value per finished epoch; val loss null without validation episodes. */
  trainLoss: number[];
  valLoss: (number | null)[];
  samplesPerSec: number | null;
  /** Seconds left at the current speed; null until known. */
  etaSec: number | null;
  /** What the data turned into, once read. */
  data: { episodes: number[]; segments: number; frames: number; rate: number } | null;
  stopRequested: boolean;
  /** A stopped run can continue from its last finished epoch. */
  resumable: boolean;
  startedAt: number;
  finishedAt: number | null;
  /** What the run trains with; null until its data is read. */
  settings: TrainingRunSettings | null;
  error?: { message: string; tip: string };
}

export interface TrainingJobList {
  jobs: TrainingJob[];
  /** The job running now, if any (one at a time). */
  active: string | null;
}

export interface PolicyEval {
  task: string;
  episodes: number;
  successes: number;
  successRate: number;
  interval95: [number, number];
  meanTimeToSuccess: number | null;
  createdAt: string | null;
}

export interface PolicySummary {
  name: string;
  /** ready: a bundle to deploy; stopped: training stopped before the end (resumable); training: running now. */
  status: 'ready' | 'stopped' | 'training';
  policy: string;
  dataset: string | null;
  /** Episode indexes trained on (train + validation). */
  episodes: number[];
  rate: number | null;
  epochs: number;
  createdAt: number;
  bestValLoss: number | null;
  finalTrainLoss: number | null;
  eval: PolicyEval | null;
}

export interface PolicyListResponse {
  policies: PolicySummary[];
  problems: TrainingProblem[];
}

/** Defaults and choices for the Train page, so the UI never hard-codes them. */
export interface TrainingDefaults {
  /**
   * Each policy type with its hyperparameters' defaults (the names `options`
   * may set) and the state inputs it uses unless chosen otherwise: policies
   * that see camera images leave joint positions out (with them a skill
   * tends to follow the demonstrated path instead of looking at the goal).
   */
  policies: { name: PolicyType; horizon: number | null; options: PolicyOptions; state: StateInput[] }[];
  epochs: number;
  batchSize: number;
  learningRate: number;
  rate: number;
  validationFraction: number;
  patience: number;
  seed: number;
  imageSize: [number, number];
  /** State inputs offered (each policy's default is in `policies`). */
  stateInputs: StateInput[];
  actions: ActionKind[];
  action: ActionKind;
  lrSchedules: LrSchedule[];
  lrSchedule: LrSchedule;
}
