/**
 * JSON schemas of the Datasets REST API (shapes in datasetApi.ts): params,
 * query, body and every response. fastify validates requests and serializes
 * responses with them, so fields not listed never leak.
 */
import { errorResponseSchema } from '../HttpError.ts';
import { DATASET_NAME_PATTERN } from './DatasetLibrary.ts';

const str = { type: 'string' } as const;
const num = { type: 'number' } as const;
const int = { type: 'integer' } as const;
const nullable = (type: string) => ({ type: [type, 'null'] });
const strings = { type: 'array', items: str } as const;
const errors = { '4xx': errorResponseSchema, '5xx': errorResponseSchema };

const problem = {
  type: 'object',
  required: ['severity', 'message', 'tip'],
  properties: { severity: { type: 'string', enum: ['info', 'warning', 'error'] }, message: str, tip: str },
} as const;

export const datasetSummarySchema = {
  type: 'object',
  required: ['name', 'robot', 'episodes', 'duration', 'tasks', 'features', 'cameras', 'outcomes', 'createdAt'],
  properties: {
    name: str,
    robot: str,
    episodes: int,
    duration: num,
    tasks: strings,
    features: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'dtype', 'shape'],
        properties: { name: str, dtype: str, shape: { type: 'array', items: int }, names: strings, units: { anyOf: [str, strings] } },
      },
    },
    cameras: strings,
    outcomes: {
      type: 'object',
      required: ['success', 'failure', 'discard', 'unlabeled'],
      properties: { success: int, failure: int, discard: int, unlabeled: int },
    },
    createdAt: num,
  },
} as const;

const badge = {
  type: 'object',
  required: ['code', 'text', 'severity', 'tip'],
  properties: { code: str, text: str, severity: { type: 'string', enum: ['info', 'warning', 'error'] }, tip: str },
} as const;

export const episodeSummarySchema = {
  type: 'object',
  required: ['index', 'task', 'outcome', 'status', 'operator', 'notes', 'startTime', 'endTime', 'duration', 'cameras', 'messages', 'badges', 'excluded'],
  properties: {
    index: int,
    task: str,
    outcome: { type: ['string', 'null'], enum: ['success', 'failure', 'discard', null] },
    status: { type: 'string', enum: ['recording', 'complete', 'recovered'] },
    operator: str,
    notes: str,
    startTime: num,
    endTime: nullable('number'),
    duration: nullable('number'),
    cameras: strings,
    messages: int,
    badges: { type: 'array', items: badge },
    excluded: { type: 'array', items: { type: 'object', required: ['start', 'end', 'reason'], properties: { start: num, end: num, reason: str } } },
  },
} as const;

const exportJobSchema = {
  type: 'object',
  required: ['id', 'dataset', 'format', 'state', 'stage', 'fraction', 'done', 'out', 'startedAt', 'finishedAt', 'episodes', 'frames', 'skipped'],
  properties: {
    id: str,
    dataset: str,
    format: { type: 'string', enum: ['lerobot'] },
    state: { type: 'string', enum: ['running', 'done', 'failed'] },
    stage: str,
    fraction: num,
    done: { type: 'boolean' },
    out: str,
    startedAt: num,
    finishedAt: nullable('number'),
    episodes: int,
    frames: int,
    skipped: { type: 'array', items: { type: 'object', required: ['index', 'reason'], properties: { index: int, reason: str } } },
    error: { type: 'object', required: ['message', 'tip'], properties: { message: str, tip: str } },
  },
} as const;

const nameParam = { type: 'string', pattern: DATASET_NAME_PATTERN } as const;
const indexParam = { type: 'integer', minimum: 0, maximum: 999_999 } as const;
const datasetParams = { type: 'object', required: ['name'], additionalProperties: false, properties: { name: nameParam } } as const;
const episodeParams = { type: 'object', required: ['name', 'index'], additionalProperties: false, properties: { name: nameParam, index: indexParam } } as const;

export const listDatasetsSchema = {
  summary: 'Every dataset in the data folder',
  response: {
    200: { type: 'object', required: ['datasets', 'problems'], properties: { datasets: { type: 'array', items: datasetSummarySchema }, problems: { type: 'array', items: problem } } },
    ...errors,
  },
} as const;

export const getDatasetSchema = {
  summary: 'One dataset: robot, features, tasks, episode counts',
  params: datasetParams,
  response: { 200: datasetSummarySchema, ...errors },
} as const;

export const listEpisodesSchema = {
  summary: "A dataset's episodes with labels and quality badges",
  params: datasetParams,
  response: {
    200: { type: 'object', required: ['dataset', 'episodes'], properties: { dataset: datasetSummarySchema, episodes: { type: 'array', items: episodeSummarySchema } } },
    ...errors,
  },
} as const;

export const replaySchema = {
  summary: 'An episode for replay: states on a fixed grid, camera frame stamps, events',
  params: episodeParams,
  querystring: { type: 'object', additionalProperties: false, properties: { rate: { type: 'number', minimum: 1, maximum: 100, default: 30 } } },
  response: {
    200: {
      type: 'object',
      required: ['dataset', 'episode', 'rate', 'start', 'duration', 't', 'series', 'cameras', 'events', 'excluded'],
      properties: {
        dataset: str,
        episode: episodeSummarySchema,
        rate: num,
        start: num,
        duration: num,
        t: { type: 'array', items: num },
        series: {
          type: 'array',
          items: {
            type: 'object',
            required: ['key', 'label', 'unit', 'names', 'values'],
            properties: { key: str, label: str, unit: str, names: strings, values: { type: 'array', items: { type: 'array', items: nullable('number') } } },
          },
        },
        cameras: { type: 'array', items: { type: 'object', required: ['name', 'stamps'], properties: { name: str, stamps: { type: 'array', items: num } } } },
        events: {
          type: 'array',
          items: { type: 'object', required: ['t', 'kind', 'code', 'message'], properties: { t: num, kind: str, code: str, message: str } },
        },
        excluded: {
          type: 'array',
          items: { type: 'object', required: ['t0', 't1', 'reason'], properties: { t0: num, t1: num, reason: str } },
        },
      },
    },
    ...errors,
  },
} as const;

export const frameSchema = {
  summary: 'Camera frame i of an episode: the recorded JPEG bytes (image/jpeg), never re-encoded',
  params: {
    type: 'object',
    required: ['name', 'index', 'camera', 'frame'],
    additionalProperties: false,
    properties: { name: nameParam, index: indexParam, camera: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' }, frame: { type: 'integer', minimum: 0, maximum: 10_000_000 } },
  },
  // 200 is image/jpeg bytes (a Buffer is sent as is, never serialized).
  response: errors,
} as const;

export const relabelSchema = {
  summary: "Change an episode's outcome, task, notes or spans not to learn from (operator)",
  params: episodeParams,
  body: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: {
      outcome: { type: ['string', 'null'], enum: ['success', 'failure', 'discard', null] },
      task: { type: 'string', minLength: 1, maxLength: 200 },
      notes: { type: 'string', maxLength: 2000 },
      excluded: {
        type: 'array',
        maxItems: 100,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['start', 'end', 'reason'],
          properties: { start: { type: 'number' }, end: { type: 'number' }, reason: { type: 'string', minLength: 1, maxLength: 200 } },
        },
      },
    },
  },
  response: { 200: { type: 'object', required: ['episode'], properties: { episode: episodeSummarySchema } }, ...errors },
} as const;

export const deleteEpisodeSchema = {
  summary: "Move an episode to the dataset's trash (operator); nothing is deleted",
  params: episodeParams,
  response: {
    200: {
      type: 'object',
      required: ['index', 'movedToTrash', 'trashPath', 'message'],
      properties: { index: int, movedToTrash: { type: 'boolean', enum: [true] }, trashPath: str, message: str },
    },
    ...errors,
  },
} as const;

export const startExportSchema = {
  summary: 'Export a dataset as LeRobot v3.0 to <data>/exports/<name>-lerobot (operator); returns a job to poll',
  params: datasetParams,
  body: {
    type: ['object', 'null'],
    additionalProperties: false,
    properties: {
      format: { type: 'string', enum: ['lerobot'] },
      images: { type: 'string', enum: ['video', 'inline'] },
      fps: { type: 'number', minimum: 1, maximum: 120 },
    },
  },
  response: { 202: exportJobSchema, ...errors },
} as const;

export const getExportSchema = {
  summary: "An export job's progress",
  params: { type: 'object', required: ['name', 'id'], additionalProperties: false, properties: { name: nameParam, id: { type: 'string', pattern: '^[0-9a-f-]{36}$' } } },
  response: { 200: exportJobSchema, ...errors },
} as const;
