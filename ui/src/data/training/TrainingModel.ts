/**
 * The Train page's data: one store (datasets to pick from, defaults, the
 * form, the running or last job, the policy history, a problem and a notice)
 * and the actions that change it through the REST client. The job is polled
 * while it runs; panels read with selector hooks and never fetch themselves.
 */
import { Store, type FrameScheduler } from '../Store.ts';
import {
  TrainingApi,
  TrainingApiError,
  type ActionKind,
  type LrSchedule,
  type PolicyOptions,
  type StateInput,
  type DatasetSummary,
  type PolicySummary,
  type PolicyType,
  type StartTrainingRequest,
  type TrainingDefaults,
  type TrainingJob,
  type TrainingProblem,
} from './TrainingApi.ts';

export type Outcome = 'success' | 'failure' | 'unlabeled';

export interface TrainForm {
  dataset: string | null;
  policy: PolicyType;
  /** Empty: the bridge names it `<dataset>-<policy>`. */
  name: string;
  epochs: number;
  batchSize: number;
  learningRate: number;
  rate: number;
  validationFraction: number;
  patience: number;
  seed: number;
  outcomes: Outcome[];
  horizon: number;
  imageWidth: number;
  imageHeight: number;
  /** State inputs. */
  state: StateInput[];
  /**
   * The person ticked or unticked an input: `state` is theirs. Until then it
   * follows the kind of skill (the bridge's default for each policy: the
   * vision skill leaves joint positions out).
   */
  stateChosen: boolean;
  action: ActionKind;
  lrSchedule: LrSchedule;
  /** Policy hyperparameters as typed: a value is JSON (numbers, lists, null, true/false) or else a word, as with `cellkit train --option`. */
  options: OptionRow[];
}

export interface OptionRow {
  name: string;
  value: string;
}

export interface TrainingState {
  /** null until the first list arrives. */
  datasets: DatasetSummary[] | null;
  defaults: TrainingDefaults | null;
  form: TrainForm;
  /** The job running now, or the last one this page saw. */
  job: TrainingJob | null;
  policies: PolicySummary[] | null;
  listProblems: TrainingProblem[];
  problem: (TrainingProblem & { code: string }) | null;
  /** The bridge refused the form's settings (400): shown beside the form, where they are changed. */
  formProblem: (TrainingProblem & { code: string }) | null;
  notice: string | null;
  busy: boolean;
}

export const FALLBACK_FORM: TrainForm = {
  dataset: null, policy: 'mlp', name: '', epochs: 50, batchSize: 32, learningRate: 0.001, rate: 10,
  validationFraction: 0.1, patience: 10, seed: 0, outcomes: ['success'], horizon: 10, imageWidth: 96, imageHeight: 96,
  state: ['joint_position', 'gripper', 'wrench'], stateChosen: false, action: 'velocity', lrSchedule: 'constant', options: [],
};

export const INITIAL_TRAINING_STATE: TrainingState = {
  datasets: null, defaults: null, form: FALLBACK_FORM, job: null, policies: null, listProblems: [], problem: null, formProblem: null, notice: null, busy: false,
};

export interface TrainingModelOptions {
  api: TrainingApi;
  schedule?: FrameScheduler;
  /** ms between job polls while it runs. Default 500. */
  pollMs?: number;
}

function asProblem(error: unknown, doing: string): TrainingState['problem'] {
  if (error instanceof TrainingApiError) return { severity: error.status >= 500 || error.status === 0 ? 'error' : 'warning', code: error.code, message: `${doing}: ${error.message}`, tip: error.tip };
  return { severity: 'error', code: 'ui', message: `${doing}: ${(error as Error).message}`, tip: 'Reload the page; if it keeps happening, tell your integrator.' };
}

export const isRunning = (job: TrainingJob | null): boolean => job !== null && job.finishedAt === null;

/** A typed option value: JSON if it parses (2, [64, 64], null, true), else the word itself (relu). */
export function parseOptionValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text.trim();
  }
}

/** The rows with a name, as the request's `options`; undefined when there are none. */
export function optionsOf(rows: readonly OptionRow[]): PolicyOptions | undefined {
  // A row without a value keeps the default its placeholder shows.
  const named = rows.filter((r) => r.name.trim() !== '' && r.value.trim() !== '');
  if (named.length === 0) return undefined;
  return Object.fromEntries(named.map((r) => [r.name.trim(), parseOptionValue(r.value)]));
}

/** The request the form describes; settings a policy does not use are left out. */
export function requestOf(form: TrainForm): StartTrainingRequest | null {
  if (form.dataset === null) return null;
  const req: StartTrainingRequest = {
    dataset: form.dataset, policy: form.policy, epochs: form.epochs, batchSize: form.batchSize, learningRate: form.learningRate,
    rate: form.rate, validationFraction: form.validationFraction, patience: form.patience, seed: form.seed, outcomes: form.outcomes,
  };
  if (form.name.trim() !== '') req.name = form.name.trim();
  req.state = [...form.state];
  req.action = form.action;
  req.lrSchedule = form.lrSchedule;
  const options = optionsOf(form.options);
  if (options !== undefined) req.options = options;
  if (form.policy === 'chunk') {
    req.horizon = form.horizon;
    req.imageSize = [form.imageWidth, form.imageHeight];
  }
  return req;
}

/** The state inputs the bridge uses for `policy` unless chosen otherwise; null when it does not say. */
export function defaultStateOf(defaults: TrainingDefaults, policy: PolicyType): StateInput[] | null {
  const state = defaults.policies.find((p) => p.name === policy)?.state;
  return state ? [...state] : null;
}

/** The form after a change: a change of inputs makes them the person's; until then they follow the kind of skill. */
export function changedForm(form: TrainForm, patch: Partial<TrainForm>, defaults: TrainingDefaults | null): TrainForm {
  const next = { ...form, ...patch };
  if (patch.state !== undefined && patch.stateChosen === undefined) next.stateChosen = true;
  if (!next.stateChosen && patch.policy !== undefined && defaults !== null) next.state = defaultStateOf(defaults, next.policy) ?? next.state;
  return next;
}

export class TrainingModel {
  readonly api: TrainingApi;
  readonly store: Store<TrainingState>;
  #pollMs: number;
  #poll?: ReturnType<typeof setTimeout>;
  #closed = false;

  constructor(opts: TrainingModelOptions) {
    this.api = opts.api;
    this.store = new Store({ initial: INITIAL_TRAINING_STATE, schedule: opts.schedule });
    this.#pollMs = opts.pollMs ?? 500;
  }

  get state(): TrainingState {
    return this.store.getSnapshot();
  }

  #set(patch: Partial<TrainingState>): void {
    this.store.update((s) => ({ ...s, ...patch }));
  }

  dismiss = (): void => this.#set({ problem: null, formProblem: null, notice: null });

  /** Datasets, defaults, history, and the job running now (a reload finds it again). */
  refresh = async (): Promise<void> => {
    // (Re)opened: React's strict mode closes and opens a page's model once more on mount.
    this.#closed = false;
    try {
      const [datasets, defaults, jobs] = await Promise.all([this.api.datasets(), this.api.defaults(), this.api.jobs()]);
      const form = this.state.defaults === null ? this.#formFrom(defaults, this.state.form.policy) : this.state.form;
      const usable = datasets.datasets.filter((d) => d.episodes > 0);
      const dataset = form.dataset ?? (usable.length === 1 ? usable[0]!.name : null);
      const job = jobs.active !== null ? (jobs.jobs.find((j) => j.id === jobs.active) ?? null) : this.state.job;
      this.#set({ datasets: datasets.datasets, defaults, form: { ...form, dataset }, job });
      if (isRunning(job)) this.#schedulePoll(job!.id);
    } catch (error) {
      this.#set({ datasets: this.state.datasets ?? [], problem: asProblem(error, 'Could not load the training page') });
    }
    await this.refreshPolicies();
  };

  refreshPolicies = async (): Promise<void> => {
    try {
      const { policies, problems } = await this.api.policies();
      this.#set({ policies, listProblems: problems });
    } catch (error) {
      this.#set({ policies: this.state.policies ?? [], problem: asProblem(error, 'Could not list the trained policies') });
    }
  };

  #formFrom(d: TrainingDefaults, policy: PolicyType): TrainForm {
    const chunk = d.policies.find((p) => p.name === 'chunk');
    return {
      ...FALLBACK_FORM, epochs: d.epochs, batchSize: d.batchSize, learningRate: d.learningRate, rate: d.rate, validationFraction: d.validationFraction,
      patience: d.patience, seed: d.seed, horizon: chunk?.horizon ?? FALLBACK_FORM.horizon, imageWidth: d.imageSize[0], imageHeight: d.imageSize[1],
      policy, state: defaultStateOf(d, policy) ?? FALLBACK_FORM.state, stateChosen: false, action: d.action, lrSchedule: d.lrSchedule, options: [],
    };
  }

  /**
   * A change to the form clears a refusal of its settings: the person is
   * fixing it. Rendered at once, not on the next frame: React puts a
   * controlled input back to the value it rendered when the event ends, so a
   * keystroke rendered a frame later moves the caret to the end.
   */
  setForm = (patch: Partial<TrainForm>): void => {
    this.store.update((s) => ({ ...s, form: changedForm(s.form, patch, s.defaults), formProblem: null }));
    this.store.flush();
  };

  /** Back to the bridge's defaults (the inputs follow the kind of skill again), keeping the dataset and policy type. */
  resetAdvanced = (): void => {
    const d = this.state.defaults;
    if (!d) return;
    const { dataset, policy, name, epochs } = this.state.form;
    this.#set({ form: { ...this.#formFrom(d, policy), dataset, name, epochs }, formProblem: null });
  };

  start = async (): Promise<void> => {
    const req = requestOf(this.state.form);
    if (req === null) {
      this.#set({ problem: { severity: 'warning', code: 'no_dataset', message: 'Pick a dataset first', tip: 'Choose the demonstrations to learn from in the list above.' } });
      return;
    }
    this.#set({ busy: true, problem: null, formProblem: null, notice: null });
    try {
      const job = await this.api.start(req);
      this.#set({ busy: false, job });
      this.#schedulePoll(job.id);
      void this.refreshPolicies();
    } catch (error) {
      const problem = asProblem(error, 'Could not start training');
      if (error instanceof TrainingApiError && error.status === 400) this.#set({ busy: false, formProblem: problem });
      else this.#set({ busy: false, problem });
    }
  };

  resume = async (name: string): Promise<void> => {
    this.#set({ busy: true, problem: null, notice: null });
    try {
      const job = await this.api.resume(name);
      this.#set({ busy: false, job });
      this.#schedulePoll(job.id);
      void this.refreshPolicies();
    } catch (error) {
      this.#set({ busy: false, problem: asProblem(error, `Could not continue ${name}`) });
    }
  };

  stop = async (): Promise<void> => {
    const job = this.state.job;
    if (!isRunning(job)) return;
    try {
      this.#set({ job: await this.api.stop(job!.id) });
    } catch (error) {
      this.#set({ problem: asProblem(error, 'Could not stop training') });
    }
  };

  #schedulePoll(id: string): void {
    clearTimeout(this.#poll);
    if (this.#closed) return;
    this.#poll = setTimeout(async () => {
      try {
        const job = await this.api.job(id);
        const before = this.state.job;
        if (before?.id !== id) return;
        this.#set({ job });
        // The history shows the run as training once its first epoch is under way.
        if (before.state === 'starting' && job.state !== 'starting' && isRunning(job)) void this.refreshPolicies();
        if (isRunning(job)) this.#schedulePoll(id);
        else this.#ended(job);
      } catch (error) {
        this.#set({ problem: asProblem(error, 'Lost track of the training run') });
      }
    }, this.#pollMs);
  }

  #ended(job: TrainingJob): void {
    if (job.state === 'done') this.#set({ notice: `${job.name} is trained and saved. Run it on the Deploy tab, or evaluate it with \`cellkit eval\`.` });
    void this.refreshPolicies();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#poll);
  }
}
