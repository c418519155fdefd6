/**
 * The Training REST API, registered under `/api`:
 *
 *   GET  /training/defaults    policy types with their options and default state inputs, default settings and choices
 *   GET  /training             jobs since the bridge started, and the one running
 *   POST /training             start a run: dataset + policy type → job (202)
 *   POST /training/resume      continue a stopped run by its policy name (202)
 *   GET  /training/:id         progress, loss curves, ETA, error with a tip
 *   POST /training/:id/stop    stop after the epoch in progress (resumable)
 *   GET  /policies             the policies folder: bundles with their evaluation, stopped runs
 *
 * Runs go to `<policiesDir>/<name>/` (bundle, metrics.json, checkpoints) in a
 * child process, one at a time. Reading needs any role; starting and
 * stopping need the `control` permission (operator or admin), like the
 * Datasets API, and are audited.
 */
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ACTION_TARGETS, LEARNING_RATE_SCHEDULES, STATE_GROUPS, getPolicy, listPolicies as policyTypes } from '@cellkit/trainer';
import type { ActionTarget, LearningRateSchedule, StateGroup } from '@cellkit/trainer';
import { RUN_DEFAULTS, defaultStateFor, type RunSettings } from '@cellkit/trainer/node';
import { HttpError } from '../server/HttpError.ts';
import { authenticateRequests, requireControl } from '../server/restAuth.ts';
import type { SessionHub } from '../server/SessionHub.ts';
import { listPolicies } from './listPolicies.ts';
import { parseTrainSettings, policyOptionDefaults, TrainSettingError, type TrainSettingName } from './parseTrainSettings.ts';
import type { ActionKind, LrSchedule, PolicyType, ResumeTrainingRequest, StartTrainingRequest, StateInput, TrainingDefaults, TrainingJobList } from './trainingApi.ts';
import { TrainingJobs, type TrainingJobsOptions } from './TrainingJobs.ts';
import {
  getTrainingSchema,
  listPoliciesSchema,
  listTrainingSchema,
  resumeTrainingSchema,
  startTrainingSchema,
  stopTrainingSchema,
  trainingDefaultsSchema,
} from './trainingSchemas.ts';

export interface TrainingRoutesOptions {
  /** Folder of datasets, one per subfolder (the Datasets API's folder). */
  datasetsDir: string;
  /** Folder of policy bundles, one per subfolder (the policy runner's folder). */
  policiesDir: string;
  hub: SessionHub;
  /** Job service tunables (tests). */
  jobs?: TrainingJobsOptions;
}

// trainingApi.ts declares the trainer's choices again (it imports nothing, for the UI): fails to compile when they drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const apiMatchesTrainer: [Same<StateInput, StateGroup>, Same<ActionKind, ActionTarget>, Same<LrSchedule, LearningRateSchedule>] = [true, true, true];
void apiMatchesTrainer;

/** What to do about a refused setting, for the person at the form. */
const SETTING_TIPS: Record<TrainSettingName, string> = {
  state: `choose state inputs among ${STATE_GROUPS.join(', ')}; a policy without cameras (mlp) needs joint_position, or choose the vision (chunk) policy`,
  action: `choose ${ACTION_TARGETS.join(' or ')}`,
  lrSchedule: `choose ${LEARNING_RATE_SCHEDULES.join(' or ')}`,
  options: 'use the option names of the policy (GET /api/training/defaults lists them with their defaults) and values like the defaults',
};

/** What the bridge remembers beside a run, so it can be continued after a restart. */
const TRAINING_FILE = 'training.json';

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Registered with `{ prefix: '/api' }`. */
export async function trainingRoutes(app: FastifyInstance, opts: TrainingRoutesOptions): Promise<void> {
  const { hub } = opts;
  const datasetsDir = resolve(opts.datasetsDir);
  const policiesDir = resolve(opts.policiesDir);
  const jobs = new TrainingJobs(opts.jobs);
  const types = policyTypes();

  app.addHook('onClose', async () => jobs.close());

  const principalOf = authenticateRequests(app, hub.access);

  const mayTrain = (req: FastifyRequest, action: string, detail: Record<string, unknown>): void => {
    requireControl(hub.audit, principalOf(req), action, detail, 'start or stop training');
  };

  const datasetDirOf = async (name: string): Promise<string> => {
    const dir = join(datasetsDir, name);
    if (!(await exists(join(dir, 'dataset.json')))) {
      throw new HttpError(404, 'dataset_not_found', `no dataset ${JSON.stringify(name)} in ${datasetsDir}`, 'pick a dataset from the list; record one on the Record tab first');
    }
    return dir;
  };

  /** `<dataset>-<policy>`, numbered when taken. */
  const freeName = async (dataset: string, policy: string): Promise<string> => {
    const base = `${dataset.slice(0, 50)}-${policy}`;
    for (let n = 1; ; n++) {
      const name = n === 1 ? base : `${base}-${n}`;
      if (!(await exists(join(policiesDir, name)))) return name;
    }
  };

  app.get('/training/defaults', { schema: trainingDefaultsSchema }, async (): Promise<TrainingDefaults> => ({
    policies: types.map((name) => {
      const options = policyOptionDefaults(name);
      return { name: name as PolicyType, horizon: typeof options.horizon === 'number' ? options.horizon : null, options, state: defaultStateFor(name) };
    }),
    epochs: RUN_DEFAULTS.epochs,
    batchSize: RUN_DEFAULTS.batchSize,
    learningRate: RUN_DEFAULTS.learningRate,
    rate: RUN_DEFAULTS.rate,
    validationFraction: RUN_DEFAULTS.validationFraction,
    patience: RUN_DEFAULTS.earlyStoppingPatience,
    seed: RUN_DEFAULTS.seed,
    imageSize: RUN_DEFAULTS.imageSize,
    stateInputs: [...STATE_GROUPS],
    actions: [...ACTION_TARGETS],
    action: RUN_DEFAULTS.actionTarget,
    lrSchedules: [...LEARNING_RATE_SCHEDULES],
    lrSchedule: RUN_DEFAULTS.learningRateSchedule,
  }));

  app.get('/training', { schema: listTrainingSchema }, async (): Promise<TrainingJobList> => ({ jobs: jobs.list(), active: jobs.activeId }));

  app.post<{ Body: StartTrainingRequest }>('/training', { schema: startTrainingSchema(types) }, async (req, reply) => {
    const body = req.body;
    mayTrain(req, 'training.start', { ...body });
    jobs.assertIdle();
    if (body.horizon !== undefined && !('horizon' in getPolicy(body.policy).defaults)) {
      throw new HttpError(400, 'invalid_option', `horizon applies to policies that predict action chunks; '${body.policy}' predicts one step`, 'leave horizon out, or choose the vision (chunk) policy');
    }
    // The same checks and defaults as `cellkit train`: what is left out takes RUN_DEFAULTS, and the state the policy's (defaultStateFor, applied by trainDatasetDir).
    let chosen: Partial<RunSettings>;
    try {
      const options = body.horizon !== undefined || body.options !== undefined ? { ...(body.horizon !== undefined ? { horizon: body.horizon } : {}), ...body.options } : undefined;
      chosen = parseTrainSettings({ policy: body.policy, state: body.state, action: body.action, lrSchedule: body.lrSchedule, options });
    } catch (err) {
      if (err instanceof TrainSettingError) throw new HttpError(400, err.code, err.message, SETTING_TIPS[err.setting]);
      throw err;
    }
    const datasetDir = await datasetDirOf(body.dataset);
    const name = body.name ?? (await freeName(body.dataset, body.policy));
    const out = join(policiesDir, name);
    if (await exists(out)) {
      throw new HttpError(409, 'policy_exists', `a policy named ${JSON.stringify(name)} already exists in ${policiesDir}`, 'choose another name, or continue that run if it was stopped');
    }
    const settings: Partial<RunSettings> = { policy: body.policy, ...chosen };
    if (body.epochs !== undefined) settings.epochs = body.epochs;
    if (body.batchSize !== undefined) settings.batchSize = body.batchSize;
    if (body.learningRate !== undefined) settings.learningRate = body.learningRate;
    if (body.rate !== undefined) settings.rate = body.rate;
    if (body.validationFraction !== undefined) settings.validationFraction = body.validationFraction;
    if (body.patience !== undefined) settings.earlyStoppingPatience = body.patience;
    if (body.seed !== undefined) settings.seed = body.seed;
    if (body.outcomes !== undefined) settings.outcomes = body.outcomes;
    if (body.imageSize !== undefined) settings.imageSize = body.imageSize;
    await mkdir(out, { recursive: true });
    await writeFile(join(out, TRAINING_FILE), `${JSON.stringify({ dataset: body.dataset, policy: body.policy, startedAt: Date.now() / 1000 }, null, 2)}\n`);
    const job = await jobs.start({
      name, dataset: body.dataset, datasetDir, out, policy: body.policy, settings: { epochs: RUN_DEFAULTS.epochs, ...settings }, resume: false,
      // A new run that ended before its first epoch has nothing worth keeping; free its name.
      onEnd: async (end) => {
        if (end.state !== 'done' && end.epochsDone === 0) await rm(out, { recursive: true, force: true });
      },
    });
    return reply.status(202).send(job);
  });

  app.post<{ Body: ResumeTrainingRequest & { name: string } }>('/training/resume', { schema: resumeTrainingSchema }, async (req, reply) => {
    const { name, epochs } = req.body;
    mayTrain(req, 'training.resume', { name, ...(epochs !== undefined ? { epochs } : {}) });
    jobs.assertIdle();
    const out = join(policiesDir, name);
    const listed = (await listPolicies(policiesDir, null)).policies.find((p) => p.name === name);
    if (!listed) throw new HttpError(404, 'policy_not_found', `no training run named ${JSON.stringify(name)} in ${policiesDir}`, 'pick a stopped run from the history');
    if (listed.status === 'ready') throw new HttpError(409, 'already_trained', `${name} finished training; its bundle is ready`, 'start a new run to train more');
    if (!listed.dataset) throw new HttpError(409, 'dataset_unknown', `${name} does not say which dataset it was trained on (no ${TRAINING_FILE})`, `continue it from the command line: cellkit train --dataset <dir> --out ${out} --resume`);
    const datasetDir = await datasetDirOf(listed.dataset);
    const job = await jobs.start({ name, dataset: listed.dataset, datasetDir, out, policy: listed.policy, settings: epochs !== undefined ? { epochs } : {}, resume: true });
    return reply.status(202).send(job);
  });

  app.get<{ Params: { id: string } }>('/training/:id', { schema: getTrainingSchema }, async (req) => jobs.get(req.params.id));

  app.post<{ Params: { id: string } }>('/training/:id/stop', { schema: stopTrainingSchema }, async (req) => {
    mayTrain(req, 'training.stop', { id: req.params.id });
    return jobs.stop(req.params.id);
  });

  app.get('/policies', { schema: listPoliciesSchema }, async () => listPolicies(policiesDir, jobs.activeName));
}
