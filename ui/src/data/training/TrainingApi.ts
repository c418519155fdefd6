/**
 * The REST client of the Train page: the bridge's /api/training and
 * /api/policies, and the dataset list from /api/datasets. Every failure
 * becomes a `TrainingApiError` with the bridge's code, message and tip, or a
 * plain-words one when the bridge could not be reached.
 */
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

export class TrainingApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly tip: string,
  ) {
    super(message);
    this.name = 'TrainingApiError';
  }
}

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
    const headers: Record<string, string> = {};
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await this.#fetch(`${this.base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new TrainingApiError(0, 'unreachable', 'Cannot reach the bridge', 'Check that the bridge is running and this screen is on the cell network, then try again.');
    }
    if (res.ok) return (await res.json()) as T;
    let err: { code?: string; message?: string; tip?: string } = {};
    try {
      err = (await res.json()) as typeof err;
    } catch {
      // Not our JSON (a proxy's page): fall through to the status line.
    }
    throw new TrainingApiError(res.status, err.code ?? `http_${res.status}`, err.message ?? `The bridge answered ${res.status} ${res.statusText}`, err.tip ?? 'Try again; if it keeps happening, tell your integrator.');
  }
}
