/**
 * The datasets under one folder (`<dir>/<name>/dataset.json`), opened by
 * name. Names are validated before they touch a path. Datasets are opened
 * without recovery: the recorder may be writing an episode into the same
 * folder right now, and "recovering" a live recording would break it.
 *
 * Open MCAP readers and camera frame indexes are kept for the few most
 * recently replayed episodes, so scrubbing (one request per frame) does not
 * re-read the file's summary or re-scan its chunks.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { McapIndexedReader } from '@mcap/core';
import { Ros2Codec, cameraNameOf, openDatasetDir, type Dataset, type EpisodeMeta } from '@cellkit/datasets';
import { HttpError } from '../HttpError.ts';
import type { DatasetSummary, EpisodeSummary } from './datasetApi.ts';
import { episodeBadges } from './episodeBadges.ts';

export const DATASET_NAME_PATTERN = '^[a-z0-9][a-z0-9_-]{0,63}$';
const NAME_RE = new RegExp(DATASET_NAME_PATTERN);

/** One camera's frames in source-stamp order: where to find frame i in the file. */
export interface FrameIndex {
  topic: string;
  /** publishTime (source stamp), s. */
  stamps: number[];
  /** logTime (receive time) in ns, to seek the message. */
  logTimes: bigint[];
  publishTimes: bigint[];
}

interface OpenEpisode {
  key: string;
  reader: McapIndexedReader;
  close: () => Promise<void>;
  frames?: Map<string, FrameIndex>;
}

export function episodeSummary(meta: EpisodeMeta): EpisodeSummary {
  const counts = meta.messageCounts ?? {};
  const cameras = Object.keys(counts)
    .map((topic) => cameraNameOf(topic))
    .filter((n): n is string => n !== undefined)
    .sort();
  return {
    index: meta.index,
    task: meta.task,
    outcome: meta.outcome,
    status: meta.status,
    operator: meta.operator,
    notes: meta.notes,
    startTime: meta.startTime,
    endTime: meta.endTime,
    duration: meta.endTime === null ? null : Math.max(0, meta.endTime - meta.startTime),
    cameras,
    messages: Object.values(counts).reduce((a, b) => a + b, 0),
    badges: episodeBadges(meta),
    excluded: (meta.excluded ?? []).map((e) => ({ start: e.start, end: e.end, reason: e.reason })),
  };
}

export class DatasetLibrary {
  readonly dir: string;
  #open: OpenEpisode[] = [];
  #keep: number;

  constructor(opts: { dir: string; keepOpen?: number }) {
    this.dir = opts.dir;
    this.#keep = opts.keepOpen ?? 4;
  }

  /** Names of folders holding a `dataset.json`, sorted. */
  async names(): Promise<string[]> {
    let entries: string[];
    try {
      entries = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const out: string[] = [];
    for (const name of entries.sort()) {
      if (!NAME_RE.test(name)) continue;
      if (await isFile(join(this.dir, name, 'dataset.json'))) out.push(name);
    }
    return out;
  }

  async open(name: string): Promise<Dataset> {
    if (!NAME_RE.test(name)) {
      throw new HttpError(400, 'invalid_name', `dataset name must match ${DATASET_NAME_PATTERN}, found ${JSON.stringify(name)}`, 'use the name shown in the dataset list');
    }
    const dir = join(this.dir, name);
    if (!(await isFile(join(dir, 'dataset.json')))) {
      const have = await this.names();
      throw new HttpError(404, 'dataset_not_found', `no dataset ${JSON.stringify(name)}; expected one of [${have.join(', ')}]`, 'reload the dataset list; it may have been renamed or moved');
    }
    return openDatasetDir(dir, { recover: false, cache: 'none' });
  }

  async summary(name: string, dataset?: Dataset): Promise<DatasetSummary> {
    const ds = dataset ?? (await this.open(name));
    const metas = await ds.listEpisodes();
    const outcomes = { success: 0, failure: 0, discard: 0, unlabeled: 0 };
    let duration = 0;
    for (const m of metas) {
      if (m.endTime !== null) duration += Math.max(0, m.endTime - m.startTime);
      if (m.outcome === null) outcomes.unlabeled += 1;
      else outcomes[m.outcome] += 1;
    }
    const info = ds.info;
    const cameras = info.features.filter((f) => f.name.startsWith('observation.images.')).map((f) => f.name.slice('observation.images.'.length));
    return {
      name,
      robot: info.robot,
      episodes: metas.length,
      duration,
      tasks: info.tasks,
      features: info.features.map((f) => ({ name: f.name, dtype: f.dtype, shape: f.shape, ...(f.names ? { names: f.names } : {}), ...(f.units ? { units: f.units } : {}) })),
      cameras,
      outcomes,
      createdAt: info.createdAt,
    };
  }

  async episode(dataset: Dataset, index: number): Promise<EpisodeMeta> {
    try {
      return await dataset.getEpisode(index);
    } catch (error) {
      throw new HttpError(404, 'episode_not_found', (error as Error).message, 'reload the episode list; it may have been deleted');
    }
  }

  /** A finished episode's meta, or a 409 while it is still being recorded. */
  async finishedEpisode(dataset: Dataset, index: number): Promise<EpisodeMeta> {
    const meta = await this.episode(dataset, index);
    if (meta.status === 'recording') {
      throw new HttpError(409, 'episode_recording', `episode ${index} is still recording`, 'wait until the recording stops, then try again');
    }
    return meta;
  }

  /** The episode's MCAP reader, shared and kept open for the next requests. */
  async reader(name: string, dataset: Dataset, index: number): Promise<OpenEpisode> {
    const path = join(this.dir, name, dataset.mcapPath(index));
    const st = await stat(path).catch(() => undefined);
    if (!st) throw new HttpError(404, 'episode_not_found', `episode ${index} of ${name} has no recording file (${dataset.mcapPath(index)})`, 'reload the episode list');
    const key = `${path}:${st.size}:${st.mtimeMs}`;
    const found = this.#open.find((o) => o.key === key);
    if (found) {
      this.#open = [found, ...this.#open.filter((o) => o !== found)];
      return found;
    }
    const { reader, close } = await dataset.openEpisode(index);
    const entry: OpenEpisode = { key, reader, close };
    this.#open.unshift(entry);
    for (const old of this.#open.splice(this.#keep)) await old.close().catch(() => {});
    return entry;
  }

  /** Forgets cached readers of an episode (after it moved to the trash). */
  async forget(name: string, dataset: Dataset, index: number): Promise<void> {
    const prefix = `${join(this.dir, name, dataset.mcapPath(index))}:`;
    const gone = this.#open.filter((o) => o.key.startsWith(prefix));
    this.#open = this.#open.filter((o) => !gone.includes(o));
    for (const o of gone) await o.close().catch(() => {});
  }

  /** Every camera's frames in stamp order (one pass over the camera channels, then cached). */
  async frameIndex(episode: OpenEpisode): Promise<Map<string, FrameIndex>> {
    if (episode.frames) return episode.frames;
    const frames = new Map<string, FrameIndex>();
    const topics: string[] = [];
    for (const channel of episode.reader.channelsById.values()) {
      const name = cameraNameOf(channel.topic);
      if (name === undefined) continue;
      topics.push(channel.topic);
      frames.set(name, { topic: channel.topic, stamps: [], logTimes: [], publishTimes: [] });
    }
    if (topics.length > 0) {
      const raw = new Map<string, { log: bigint; pub: bigint }[]>(topics.map((t) => [t, []]));
      const topicOf = new Map([...episode.reader.channelsById.values()].map((c) => [c.id, c.topic]));
      for await (const m of episode.reader.readMessages({ topics })) raw.get(topicOf.get(m.channelId)!)!.push({ log: m.logTime, pub: m.publishTime });
      for (const [name, index] of frames) {
        // Files are in receive order; replay goes by source stamp.
        const list = raw.get(index.topic)!.sort((a, b) => (a.pub < b.pub ? -1 : a.pub > b.pub ? 1 : 0));
        for (const { log, pub } of list) {
          index.logTimes.push(log);
          index.publishTimes.push(pub);
          index.stamps.push(Number(pub) / 1e9);
        }
        frames.set(name, index);
      }
    }
    episode.frames = frames;
    return frames;
  }

  /** The recorded JPEG bytes of frame `i` of `camera`, as written (never re-encoded). */
  async frameBytes(episode: OpenEpisode, camera: string, i: number): Promise<Uint8Array> {
    const frames = await this.frameIndex(episode);
    const index = frames.get(camera);
    if (!index) {
      throw new HttpError(404, 'camera_not_found', `no camera ${JSON.stringify(camera)} in this episode; expected one of [${[...frames.keys()].join(', ')}]`, 'pick a camera from the replay data');
    }
    if (i >= index.stamps.length) {
      throw new HttpError(404, 'frame_out_of_range', `frame ${i} of the ${camera} camera does not exist; expected 0..${index.stamps.length - 1}`, 'use a frame index from the replay data');
    }
    const log = index.logTimes[i]!;
    const pub = index.publishTimes[i]!;
    for await (const m of episode.reader.readMessages({ topics: [index.topic], startTime: log, endTime: log })) {
      if (m.publishTime !== pub) continue;
      const channel = episode.reader.channelsById.get(m.channelId)!;
      const schema = episode.reader.schemasById.get(channel.schemaId)!;
      const codec = Ros2Codec.for(schema.name, new TextDecoder().decode(schema.data));
      return codec.decode<{ data: Uint8Array }>(m.data).data;
    }
    throw new HttpError(500, 'frame_unreadable', `frame ${i} of the ${camera} camera is listed but could not be read back`, 'run `cellkit dataset validate` on this dataset');
  }

  async close(): Promise<void> {
    for (const o of this.#open.splice(0)) await o.close().catch(() => {});
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
