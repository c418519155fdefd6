/**
 * The REST client of the Datasets page (the bridge's /api/datasets). Every
 * failure becomes a `DatasetsApiError` carrying the bridge's coded message and
 * tip, or a plain-words one when the bridge could not be reached.
 */
import { BridgeApiError, bridgeRequest } from '../bridgeRequest.ts';
import type {
  DatasetListResponse,
  DeleteEpisodeResponse,
  EpisodeListResponse,
  EpisodeReplay,
  ExportJob,
  ExportRequest,
  RelabelRequest,
  RelabelResponse,
} from '../../../../bridge/src/server/datasets/datasetApi.ts';

export type {
  DatasetListResponse,
  DatasetProblem,
  DatasetSummary,
  EpisodeBadge,
  EpisodeListResponse,
  EpisodeOutcomeLabel,
  EpisodeReplay,
  EpisodeSummary,
  ExportJob,
  ReplaySeries,
  RelabelRequest as RelabelPatch,
} from '../../../../bridge/src/server/datasets/datasetApi.ts';

/** A failed request: status, code, message and a tip for the person. */
export { BridgeApiError as DatasetsApiError };

export interface DatasetsApiOptions {
  /** Default `/api/datasets` on the page's origin. */
  base?: string;
  /** Sent as `Authorization: Bearer` when the bridge requires tokens. */
  token?: string;
  fetch?: typeof fetch;
}

const seg = (s: string | number): string => encodeURIComponent(String(s));

export class DatasetsApi {
  readonly base: string;
  #token?: string;
  #fetch: typeof fetch;

  constructor(opts: DatasetsApiOptions = {}) {
    this.base = opts.base ?? '/api/datasets';
    this.#token = opts.token;
    this.#fetch = opts.fetch ?? ((input, init) => fetch(input, init));
  }

  list(): Promise<DatasetListResponse> {
    return this.#json('GET', '');
  }

  episodes(name: string): Promise<EpisodeListResponse> {
    return this.#json('GET', `/${seg(name)}/episodes`);
  }

  replay(name: string, index: number, rate = 30): Promise<EpisodeReplay> {
    return this.#json('GET', `/${seg(name)}/episodes/${seg(index)}/replay?rate=${rate}`);
  }

  frameUrl(name: string, index: number, camera: string, frame: number): string {
    return `${this.base}/${seg(name)}/episodes/${seg(index)}/frames/${seg(camera)}/${seg(frame)}`;
  }

  /** The recorded JPEG of one camera frame. */
  async frame(name: string, index: number, camera: string, frame: number, signal?: AbortSignal): Promise<Blob> {
    const res = await this.#request('GET', this.frameUrl(name, index, camera, frame), undefined, signal);
    return res.blob();
  }

  relabel(name: string, index: number, patch: RelabelRequest): Promise<RelabelResponse> {
    return this.#json('PATCH', `/${seg(name)}/episodes/${seg(index)}`, patch);
  }

  remove(name: string, index: number): Promise<DeleteEpisodeResponse> {
    return this.#json('DELETE', `/${seg(name)}/episodes/${seg(index)}`);
  }

  startExport(name: string, request: ExportRequest = {}): Promise<ExportJob> {
    return this.#json('POST', `/${seg(name)}/export`, request);
  }

  exportJob(name: string, id: string): Promise<ExportJob> {
    return this.#json('GET', `/${seg(name)}/export/${seg(id)}`);
  }

  async #json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.#request(method, `${this.base}${path}`, body);
    return (await res.json()) as T;
  }

  #request(method: string, url: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    return bridgeRequest({ token: this.#token, fetch: this.#fetch }, method, url, body, signal);
  }

}
