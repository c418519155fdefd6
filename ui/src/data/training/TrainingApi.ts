/**
 * The REST client of the Train page: the bridge's /api/training and
 * /api/policies, and the dataset list from /api/datasets. Every failure
 * becomes a `TrainingApiError` with the bridge's code, message and tip, or a
 * plain-words one when the bridge could not be reached.
 */
import { BridgeApiError, bridgeRequest } from '../bridgeRequest.ts';
import type { DatasetListResponse } from '../../../../bridge/src/server/datasets/datasetApi.ts';
import type {
  PolicyListResponse,
  ResumeTrainingRequest,
  StartTrainingRequest,
  TrainingDefaults,
  TrainingJob,
  TrainingJobList,
} from '../../../../bridge/src/training/trainingApi.ts';

export type { DatasetListResponse, DatasetSummary } from '../../../../bridge/src/server/datasets/datasetApi.ts';
export type {
  ActionKind,
  LrSchedule,
  PolicyOptions,
  StateInput,
  TrainingRunSettings,
  PolicyEval,
  PolicyListResponse,
  PolicySummary,
  PolicyType,
  StartTrainingRequest,
  TrainingDefaults,
  TrainingJob,
  TrainingJobList,
  TrainingProblem,
} from '../../../../bridge/src/training/trainingApi.ts';

/** A failed request: status, code, message and a tip for the person. */
export { BridgeApiError as TrainingApiError };

export interface TrainingApiOptions {
  /** Default `/api` on the page's origin. */
  base?: string;
  /** Sent as `Authorization: Bearer` when the bridge requires tokens. */
  token?: string;
  fetch?: typeof fetch;
}

const seg = (s: string): string => encodeURIComponent(s);

export class TrainingApi {
  readonly base: string;
  #token?: string;
  #fetch: typeof fetch;

  constructor(opts: TrainingApiOptions = {}) {
    this.base = opts.base ?? '/api';
    this.#token = opts.token;
    this.#fetch = opts.fetch ?? ((input, init) => fetch(input, init));
  }

  datasets(): Promise<DatasetListResponse> {
    return this.#json('GET', '/datasets');
  }

  defaults(): Promise<TrainingDefaults> {
    return this.#json('GET', '/training/defaults');
  }

  jobs(): Promise<TrainingJobList> {
    return this.#json('GET', '/training');
  }

  job(id: string): Promise<TrainingJob> {
    return this.#json('GET', `/training/${seg(id)}`);
  }

  start(request: StartTrainingRequest): Promise<TrainingJob> {
    return this.#json('POST', '/training', request);
  }

  resume(name: string, request: ResumeTrainingRequest = {}): Promise<TrainingJob> {
    return this.#json('POST', '/training/resume', { name, ...request });
  }

  stop(id: string): Promise<TrainingJob> {
    return this.#json('POST', `/training/${seg(id)}/stop`, {});
  }

  policies(): Promise<PolicyListResponse> {
    return this.#json('GET', '/policies');
  }

  async #json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await bridgeRequest({ token: this.#token, fetch: this.#fetch }, method, `${this.base}${path}`, body);
    return (await res.json()) as T;
  }

}
