/**
 * JSON schemas of the Training REST API (shapes in trainingApi.ts). fastify
 * validates requests and serializes responses with them, so fields not
 * listed never leak.
 */
import { errorResponseSchema } from '../server/HttpError.ts';
import { DATASET_NAME_PATTERN } from '../server/datasets/DatasetLibrary.ts';
import { POLICY_FOLDER_PATTERN } from './listPolicies.ts';

const str = { type: 'string' } as const;
const num = { type: 'number' } as const;
const int = { type: 'integer' } as const;
const nullableNum = { type: ['number', 'null'] } as const;
const errors = { '4xx': errorResponseSchema, '5xx': errorResponseSchema };
const message = { type: 'object', required: ['message', 'tip'], properties: { message: str, tip: str } } as const;
/** Policy hyperparameters: JSON values by name, serialized as given. */
const policyOptions = { type: 'object', additionalProperties: true } as const;

export const trainingJobSchema = {
  type: 'object',
  required: ['id', 'name', 'dataset', 'policy', 'state', 'stage', 'epochsDone', 'epochs', 'epoch', 'step', 'steps', 'fraction', 'loss', 'trainLoss', 'valLoss', 'samplesPerSec', 'etaSec', 'data', 'stopRequested', 'resumable', 'startedAt', 'finishedAt', 'settings'],
  properties: {
    id: str,
    name: str,
    dataset: str,
    policy: str,
    state: { type: 'string', enum: ['starting', 'training', 'stopping', 'done', 'stopped', 'failed'] },
    stage: str,
    epochsDone: int,
    epochs: int,
    epoch: int,
    step: int,
    steps: int,
    fraction: num,
    loss: nullableNum,
    trainLoss: { type: 'array', items: num },
    valLoss: { type: 'array', items: nullableNum },
    samplesPerSec: nullableNum,
    etaSec: nullableNum,
    data: {
      type: ['object', 'null'],
      required: ['episodes', 'segments', 'frames', 'rate'],
      properties: { episodes: { type: 'array', items: int }, segments: int, frames: int, rate: num },
    },
    stopRequested: { type: 'boolean' },
    resumable: { type: 'boolean' },
    startedAt: num,
    finishedAt: nullableNum,
    settings: {
      type: ['object', 'null'],
      required: ['state', 'action', 'lrSchedule', 'learningRate', 'batchSize', 'options'],
      properties: {
        state: { type: ['array', 'null'], items: str },
        action: str,
        lrSchedule: str,
        learningRate: num,
        batchSize: int,
        options: policyOptions,
      },
    },
    error: message,
  },
} as const;

const policyNameParam = { type: 'string', pattern: POLICY_FOLDER_PATTERN } as const;
const idParams = { type: 'object', required: ['id'], additionalProperties: false, properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } } as const;

export function startTrainingSchema(policies: string[]) {
  return {
    summary: 'Train a policy on a dataset in a background process (one run at a time)',
    body: {
      type: 'object',
      required: ['dataset', 'policy'],
      additionalProperties: false,
      properties: {
        dataset: { type: 'string', pattern: DATASET_NAME_PATTERN },
        policy: { type: 'string', enum: policies },
        name: policyNameParam,
        epochs: { type: 'integer', minimum: 1, maximum: 10_000 },
        batchSize: { type: 'integer', minimum: 1, maximum: 4096 },
        learningRate: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
        rate: { type: 'number', exclusiveMinimum: 0, maximum: 1000 },
        validationFraction: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
        patience: { type: 'integer', minimum: 0, maximum: 10_000 },
        seed: int,
        outcomes: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', enum: ['success', 'failure', 'unlabeled'] } },
        horizon: { type: 'integer', minimum: 1, maximum: 200 },
        imageSize: { type: 'array', minItems: 2, maxItems: 2, items: { type: 'integer', minimum: 8, maximum: 512 } },
        // Shapes only: the values are checked by parseTrainSettings (shared with `cellkit train`),
        // which refuses with a coded 400 naming what it expected (invalid_state, invalid_action, …).
        state: { type: 'array', maxItems: 16, items: { type: 'string', maxLength: 64 } },
        action: { type: 'string', maxLength: 64 },
        lrSchedule: { type: 'string', maxLength: 64 },
        options: { type: 'object', maxProperties: 64 },
      },
    },
    response: { 202: trainingJobSchema, ...errors },
  } as const;
}

export const resumeTrainingSchema = {
  summary: 'Continue a stopped run in its policy folder with its own settings',
  body: {
    type: 'object',
    required: ['name'],
    additionalProperties: false,
    properties: { name: policyNameParam, epochs: { type: 'integer', minimum: 1, maximum: 10_000 } },
  },
  response: { 202: trainingJobSchema, ...errors },
} as const;

export const getTrainingSchema = {
  summary: 'One training job: state, progress, loss curves, ETA, error with a tip',
  params: idParams,
  response: { 200: trainingJobSchema, ...errors },
} as const;

export const stopTrainingSchema = {
  summary: 'Stop after the epoch in progress (saved; the run can be continued)',
  params: idParams,
  response: { 200: trainingJobSchema, ...errors },
} as const;

export const listTrainingSchema = {
  summary: 'Training jobs since the bridge started, newest first, and the one running',
  response: {
    200: { type: 'object', required: ['jobs', 'active'], properties: { jobs: { type: 'array', items: trainingJobSchema }, active: { type: ['string', 'null'] } } },
    ...errors,
  },
} as const;

export const trainingDefaultsSchema = {
  summary: 'Policy types and default training settings',
  response: {
    200: {
      type: 'object',
      required: ['policies', 'epochs', 'batchSize', 'learningRate', 'rate', 'validationFraction', 'patience', 'seed', 'imageSize', 'stateInputs', 'actions', 'action', 'lrSchedules', 'lrSchedule'],
      properties: {
        policies: {
          type: 'array',
          items: {
            type: 'object', required: ['name', 'horizon', 'options', 'state'],
            properties: { name: str, horizon: { type: ['integer', 'null'] }, options: policyOptions, state: { type: 'array', items: str } },
          },
        },
        epochs: int,
        batchSize: int,
        learningRate: num,
        rate: num,
        validationFraction: num,
        patience: int,
        seed: int,
        imageSize: { type: 'array', items: int },
        stateInputs: { type: 'array', items: str },
        actions: { type: 'array', items: str },
        action: str,
        lrSchedules: { type: 'array', items: str },
        lrSchedule: str,
      },
    },
    ...errors,
  },
} as const;

const evalSchema = {
  type: ['object', 'null'],
  required: ['task', 'episodes', 'successes', 'successRate', 'interval95', 'meanTimeToSuccess', 'createdAt'],
  properties: {
    task: str,
    episodes: int,
    successes: int,
    successRate: num,
    interval95: { type: 'array', items: num },
    meanTimeToSuccess: nullableNum,
    createdAt: { type: ['string', 'null'] },
  },
} as const;

export const listPoliciesSchema = {
  summary: 'Policies in the policies folder (bundles and stopped runs), newest first, with evaluation results',
  response: {
    200: {
      type: 'object',
      required: ['policies', 'problems'],
      properties: {
        policies: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name', 'status', 'policy', 'dataset', 'episodes', 'rate', 'epochs', 'createdAt', 'bestValLoss', 'finalTrainLoss', 'eval'],
            properties: {
              name: str,
              status: { type: 'string', enum: ['ready', 'stopped', 'training'] },
              policy: str,
              dataset: { type: ['string', 'null'] },
              episodes: { type: 'array', items: int },
              rate: nullableNum,
              epochs: int,
              createdAt: num,
              bestValLoss: nullableNum,
              finalTrainLoss: nullableNum,
              eval: evalSchema,
            },
          },
        },
        problems: {
          type: 'array',
          items: { type: 'object', required: ['severity', 'message', 'tip'], properties: { severity: { type: 'string', enum: ['info', 'warning', 'error'] }, message: str, tip: str } },
        },
      },
    },
    ...errors,
  },
} as const;
