/**
 * The Datasets REST API under /api/datasets: list datasets and episodes,
 * replay data and the recorded camera frames, relabel, move to trash, and
 * export to LeRobot v3.0 as a polled background job.
 *
 * Reading needs any role; changing (relabel, delete, export) needs the
 * `control` permission (operator or admin; on loopback everyone is admin).
 * Like the rest of /api, a bridge that requires tokens wants
 * `Authorization: Bearer <token>` on every request.
 */
import { join } from 'node:path';
import { checkExcludedSpans } from '@cellkit/datasets';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../access/AccessPolicy.ts';
import type { DeleteEpisodeResponse, ExportRequest, RelabelRequest } from './datasets/datasetApi.ts';
import { DatasetLibrary, episodeSummary } from './datasets/DatasetLibrary.ts';
import {
  deleteEpisodeSchema,
  frameSchema,
  getDatasetSchema,
  getExportSchema,
  listDatasetsSchema,
  listEpisodesSchema,
  relabelSchema,
  replaySchema,
  startExportSchema,
} from './datasets/datasetSchemas.ts';
import { ExportJobs, exportFolderFor } from './datasets/ExportJobs.ts';
import { replayData } from './datasets/replayData.ts';
import { HttpError } from './HttpError.ts';
import { authenticateRequests, requireControl } from './restAuth.ts';
import type { SessionHub } from './SessionHub.ts';

export interface DatasetRoutesOptions {
  /** Folder holding one dataset per subfolder (`<dir>/<name>/dataset.json`). */
  dir: string;
  /** Where exports go (`<exportsDir>/<name>-lerobot/`). Default `<dir>/exports`. */
  exportsDir?: string;
  hub: SessionHub;
}

type NameParams = { name: string };
type EpisodeParams = { name: string; index: number };

/** Registered with `{ prefix: '/api/datasets' }`. */
export async function datasetRoutes(app: FastifyInstance, opts: DatasetRoutesOptions): Promise<void> {
  const { hub } = opts;
  const library = new DatasetLibrary({ dir: opts.dir });
  const jobs = new ExportJobs();
  const exportsDir = opts.exportsDir ?? join(opts.dir, 'exports');

  app.addHook('onClose', async () => {
    await jobs.settle();
    await library.close();
  });

  const principalOf = authenticateRequests(app, hub.access);

  /** The caller, if allowed to change datasets; audits refusals and accepted changes alike. */
  const mayChange = (req: FastifyRequest, action: string, detail: Record<string, unknown>): Principal =>
    requireControl(hub.audit, principalOf(req), action, detail, 'change datasets');

  app.get('/', { schema: listDatasetsSchema }, async () => {
    const datasets = [];
    const problems = [];
    for (const name of await library.names()) {
      try {
        datasets.push(await library.summary(name));
      } catch (error) {
        problems.push({ severity: 'warning' as const, message: `Dataset ${name} could not be read: ${(error as Error).message}`, tip: 'Run `cellkit dataset validate` on it, or move the folder out of the data folder.' });
      }
    }
    return { datasets, problems };
  });

  app.get<{ Params: NameParams }>('/:name', { schema: getDatasetSchema }, async (req) => library.summary(req.params.name));

  app.get<{ Params: NameParams }>('/:name/episodes', { schema: listEpisodesSchema }, async (req) => {
    const dataset = await library.open(req.params.name);
    const metas = await dataset.listEpisodes();
    return { dataset: await library.summary(req.params.name, dataset), episodes: metas.map(episodeSummary) };
  });

  app.get<{ Params: EpisodeParams; Querystring: { rate: number } }>('/:name/episodes/:index/replay', { schema: replaySchema }, async (req) => {
    const { name, index } = req.params;
    const dataset = await library.open(name);
    return replayData({ library, name, dataset, index, rate: req.query.rate });
  });

  app.get<{ Params: EpisodeParams & { camera: string; frame: number } }>('/:name/episodes/:index/frames/:camera/:frame', { schema: frameSchema }, async (req, reply) => {
    const { name, index, camera, frame } = req.params;
    const dataset = await library.open(name);
    await library.finishedEpisode(dataset, index);
    const bytes = await library.frameBytes(await library.reader(name, dataset, index), camera, frame);
    // Episode indexes can be reused after a delete: cache briefly, the UI keeps its own cache.
    return reply.type('image/jpeg').header('cache-control', 'private, max-age=60').send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });

  app.patch<{ Params: EpisodeParams; Body: RelabelRequest }>('/:name/episodes/:index', { schema: relabelSchema }, async (req) => {
    const { name, index } = req.params;
    mayChange(req, 'dataset.relabel', { dataset: name, episode: index, ...req.body });
    const dataset = await library.open(name);
    await library.finishedEpisode(dataset, index);
    const patch: RelabelRequest = {};
    if (req.body.outcome !== undefined) patch.outcome = req.body.outcome;
    if (req.body.task !== undefined) patch.task = req.body.task.trim();
    if (req.body.notes !== undefined) patch.notes = req.body.notes;
    if (req.body.excluded !== undefined) patch.excluded = req.body.excluded.map((e) => ({ start: e.start, end: e.end, reason: e.reason.trim() }));
    if (Object.keys(patch).length === 0) {
      throw new HttpError(400, 'nothing_to_change', 'expected at least one of outcome, task, notes or excluded, found none', 'send the label to change, e.g. { "outcome": "success" }');
    }
    if (patch.task === '') throw new HttpError(400, 'invalid_task', 'task must not be blank', 'describe the task in a few words, e.g. "pick the red block"');
    if (patch.excluded !== undefined) {
      // The dataset's own check (relabel runs it too), answered as a 400 before anything is written.
      try {
        patch.excluded = checkExcludedSpans(patch.excluded);
      } catch (error) {
        throw new HttpError(400, 'invalid_span', (error as Error).message, 'mark where the part to leave out starts, then where it ends, and say why');
      }
    }
    const meta = await dataset.relabel(index, patch);
    // A new task name joins the dataset's task list (as `cellkit dataset relabel` does).
    if (patch.task !== undefined && !dataset.info.tasks.includes(patch.task)) await dataset.updateInfo({ tasks: [...dataset.info.tasks, patch.task] });
    return { episode: episodeSummary(meta) };
  });

  app.delete<{ Params: EpisodeParams }>('/:name/episodes/:index', { schema: deleteEpisodeSchema }, async (req): Promise<DeleteEpisodeResponse> => {
    const { name, index } = req.params;
    mayChange(req, 'dataset.delete', { dataset: name, episode: index });
    const dataset = await library.open(name);
    await library.finishedEpisode(dataset, index);
    await library.forget(name, dataset, index);
    const trashPath = await dataset.remove(index);
    return {
      index,
      movedToTrash: true,
      trashPath,
      message: `Episode ${index} moved to the trash (${name}/${trashPath}). Nothing was deleted: move the files back into ${name}/episodes/ to restore it.`,
    };
  });

  app.post<{ Params: NameParams; Body: ExportRequest | null }>('/:name/export', { schema: startExportSchema }, async (req, reply) => {
    const { name } = req.params;
    const body = req.body ?? {};
    mayChange(req, 'dataset.export', { dataset: name, format: 'lerobot', images: body.images ?? 'video' });
    const dataset = await library.open(name);
    const job = jobs.start({ name, dataset, out: exportFolderFor(exportsDir, name), images: body.images ?? 'video', fps: body.fps ?? 30 });
    return reply.status(202).send(job);
  });

  app.get<{ Params: NameParams & { id: string } }>('/:name/export/:id', { schema: getExportSchema }, async (req) => jobs.get(req.params.name, req.params.id));
}
