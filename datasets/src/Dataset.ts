import { McapIndexedReader } from '@mcap/core';

import { AlignedReader, type AlignOptions, type AlignedEpisode } from './AlignedReader.ts';
import type { AlignedCache } from './alignedCache.ts';
import type { DatasetStorage } from './DatasetStorage.ts';
import {
  DATASET_SCHEMA_VERSION,
  episodeStem,
  type DatasetInfo,
  type DatasetStats,
  type EpisodeMeta,
  type EpisodeOutcome,
  type ExcludedSpan,
} from './datasetTypes.ts';
import { EpisodeWriter, type EpisodeWriterOptions } from './EpisodeWriter.ts';
import { recoverEpisodeFile, type EpisodeRecoveryReport } from './recoverEpisodeFile.ts';
import { StatsAccumulator } from './StatsAccumulator.ts';

export type DatasetOptions = {
  storage: DatasetStorage;
  /** Where aligned episodes are cached between epochs (memory or files). */
  cache?: AlignedCache;
  /** Clock in epoch seconds, for tests. Default Date.now() / 1000. */
  now?: () => number;
};

export type StartEpisodeOptions = {
  task: string;
  operator?: string;
  notes?: string;
  /** Epoch seconds; default now. */
  startTime?: number;
  writer?: Omit<EpisodeWriterOptions, 'writable'>;
};

export type FinishEpisodeOptions = {
  outcome?: EpisodeOutcome;
  /** Epoch seconds; default the last message's receive time, else now. */
  endTime?: number;
  quality?: Record<string, unknown>;
  notes?: string;
  /** Spans training leaves out (checked by checkExcludedSpans). */
  excluded?: ExcludedSpan[];
};

export type RelabelPatch = Partial<Pick<EpisodeMeta, 'task' | 'outcome' | 'operator' | 'notes' | 'quality' | 'excluded'>>;

const INFO = 'dataset.json';
const STATS = 'stats.json';
const EPISODES = 'episodes';
const TRASH = '.trash';

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** Marks an episode's metadata as rebuilt from a crashed file. */
export function applyRecovery(meta: EpisodeMeta, report: EpisodeRecoveryReport, at = Date.now() / 1000): EpisodeMeta {
  if (report.alreadyComplete) {
    // The writer finished but the process died before the metadata said so.
    return { ...meta, status: 'complete', endTime: meta.endTime ?? report.endTime ?? meta.startTime, messageCounts: report.messageCounts };
  }
  return {
    ...meta,
    status: 'recovered',
    endTime: report.endTime ?? meta.startTime,
    messageCounts: report.messageCounts,
    recovery: {
      at,
      lostBytes: report.lostBytes,
      reason: report.stopReason,
      original: report.originalPath?.slice(report.originalPath.lastIndexOf('/') + 1),
    },
  };
}

/** Throws unless every span has finite start ≤ end and a reason; returns copies sorted by start. */
export function checkExcludedSpans(spans: readonly ExcludedSpan[]): ExcludedSpan[] {
  for (const [i, s] of spans.entries()) {
    if (!(Number.isFinite(s?.start) && Number.isFinite(s?.end) && s.start <= s.end && typeof s.reason === 'string' && s.reason.length > 0)) {
      throw new Error(`excluded span ${i}: expected { start, end, reason } with finite stream-clock seconds start ≤ end and a reason, found ${JSON.stringify(s)}`);
    }
  }
  return spans.map((s) => ({ start: s.start, end: s.end, reason: s.reason })).sort((a, b) => a.start - b.start);
}

/** An episode being recorded: write through `writer`, then `finish()`. */
export class EpisodeRecording {
  readonly writer: EpisodeWriter;
  #dataset: Dataset;
  #meta: EpisodeMeta;
  #close: () => Promise<void>;

  constructor(options: { dataset: Dataset; meta: EpisodeMeta; writer: EpisodeWriter; close: () => Promise<void> }) {
    this.#dataset = options.dataset;
    this.#meta = options.meta;
    this.writer = options.writer;
    this.#close = options.close;
  }

  get meta(): EpisodeMeta {
    return this.#meta;
  }

  /** Closes the MCAP (summary + fsync), then marks the episode complete. */
  async finish(options: FinishEpisodeOptions = {}): Promise<EpisodeMeta> {
    const summary = await this.writer.close();
    await this.#close();
    this.#meta = {
      ...this.#meta,
      status: 'complete',
      outcome: options.outcome ?? this.#meta.outcome,
      endTime: options.endTime ?? summary.endTime ?? this.#dataset.now(),
      notes: options.notes ?? this.#meta.notes,
      quality: options.quality ?? this.#meta.quality,
      messageCounts: summary.messageCounts,
      ...(options.excluded?.length ? { excluded: checkExcludedSpans(options.excluded) } : {}),
    };
    await this.#dataset.writeEpisodeMeta(this.#meta);
    return this.#meta;
  }
}

/**
 * A dataset folder: `dataset.json`, `episodes/NNNNNN.{mcap,json}`,
 * `stats.json`. Metadata writes are atomic; the MCAP is written as it records.
 */
export class Dataset {
  readonly storage: DatasetStorage;
  /** Episodes repaired by `open()` because their recording process died. */
  readonly recovered: { index: number; report: EpisodeRecoveryReport }[] = [];
  #info: DatasetInfo;
  #cache?: AlignedCache;
  #now: () => number;

  private constructor(options: DatasetOptions, info: DatasetInfo) {
    this.storage = options.storage;
    this.#info = info;
    this.#cache = options.cache;
    this.#now = options.now ?? (() => Date.now() / 1000);
  }

  now(): number {
    return this.#now();
  }

  get info(): DatasetInfo {
    return this.#info;
  }

  /** Creates `dataset.json` in an empty folder. */
  static async create(
    options: DatasetOptions & { info: Omit<DatasetInfo, 'schemaVersion' | 'createdAt'> },
  ): Promise<Dataset> {
    if (await options.storage.exists(INFO)) {
      throw new Error(`A dataset already exists here (found ${INFO}); open it instead of creating it.`);
    }
    const now = options.now?.() ?? Date.now() / 1000;
    const info: DatasetInfo = { schemaVersion: DATASET_SCHEMA_VERSION, createdAt: now, ...options.info };
    await options.storage.mkdir(EPISODES);
    await options.storage.writeTextAtomic(INFO, json(info));
    return new Dataset(options, info);
  }

  /**
   * Opens a dataset and repairs every episode still marked `recording` (its
   * process died): the MCAP is rebuilt up to its last complete chunk and the
   * episode marked `recovered`. Pass `recover: false` for read-only tools.
   */
  static async open(options: DatasetOptions & { recover?: boolean }): Promise<Dataset> {
    const text = await options.storage.readText(INFO);
    if (text == undefined) {
      throw new Error(`No ${INFO} found: expected a dataset folder. Create one with Dataset.create().`);
    }
    const info = JSON.parse(text) as DatasetInfo;
    if (info.schemaVersion > DATASET_SCHEMA_VERSION) {
      throw new Error(
        `Dataset schema version ${info.schemaVersion} is newer than this cellkit supports (${DATASET_SCHEMA_VERSION}). Update cellkit.`,
      );
    }
    const dataset = new Dataset(options, info);
    if (options.recover !== false) {
      for (const meta of await dataset.listEpisodes()) {
        if (meta.status !== 'recording') continue;
        const path = dataset.#mcapPath(meta.index);
        const report: EpisodeRecoveryReport = (await options.storage.exists(path))
          ? await recoverEpisodeFile(options.storage, path)
          : {
              // Died between writing the metadata and creating the file.
              alreadyComplete: false,
              messageCount: 0,
              messageCounts: {},
              chunkCount: 0,
              lostBytes: 0,
              totalBytes: 0,
              stopReason: 'no MCAP file was created',
            };
        await dataset.writeEpisodeMeta(applyRecovery(meta, report, dataset.now()));
        dataset.recovered.push({ index: meta.index, report });
      }
    }
    return dataset;
  }

  async updateInfo(patch: Partial<Omit<DatasetInfo, 'schemaVersion' | 'createdAt'>>): Promise<DatasetInfo> {
    this.#info = { ...this.#info, ...patch };
    await this.storage.writeTextAtomic(INFO, json(this.#info));
    return this.#info;
  }

  /** All episodes, by index. */
  async listEpisodes(): Promise<EpisodeMeta[]> {
    const names = await this.storage.list(EPISODES);
    const metas: EpisodeMeta[] = [];
    for (const name of names) {
      if (!/^\d{6}\.json$/.test(name)) continue;
      metas.push(await this.getEpisode(Number(name.slice(0, 6))));
    }
    return metas.sort((a, b) => a.index - b.index);
  }

  async getEpisode(index: number): Promise<EpisodeMeta> {
    const text = await this.storage.readText(this.#metaPath(index));
    if (text == undefined) {
      const have = (await this.storage.list(EPISODES)).filter((n) => n.endsWith('.json')).map((n) => Number(n.slice(0, 6)));
      throw new Error(`No episode ${index}: expected one of [${have.join(', ')}].`);
    }
    return JSON.parse(text) as EpisodeMeta;
  }

  /** Relative path of an episode's MCAP (`episodes/000000.mcap`). */
  mcapPath(index: number): string {
    return this.#mcapPath(index);
  }

  /**
   * Starts the next episode: writes its metadata as `recording` first, so a
   * crash at any later point is found and recovered by `open()`.
   */
  async startEpisode(options: StartEpisodeOptions): Promise<EpisodeRecording> {
    const existing = await this.storage.list(EPISODES);
    const used = existing.filter((n) => /^\d{6}\./.test(n)).map((n) => Number(n.slice(0, 6)));
    const index = used.length > 0 ? Math.max(...used) + 1 : 0;
    const meta: EpisodeMeta = {
      index,
      task: options.task,
      outcome: null,
      operator: options.operator ?? '',
      notes: options.notes ?? '',
      startTime: options.startTime ?? this.now(),
      endTime: null,
      status: 'recording',
    };
    await this.writeEpisodeMeta(meta);
    const writable = await this.storage.createWritable(this.#mcapPath(index));
    const writer = await EpisodeWriter.Create({ ...options.writer, writable });
    return new EpisodeRecording({ dataset: this, meta, writer, close: () => writable.close() });
  }

  /** Changes labels of a finished episode (task, outcome, operator, notes, quality). */
  async relabel(index: number, patch: RelabelPatch): Promise<EpisodeMeta> {
    const checked = patch.excluded != null ? { ...patch, excluded: checkExcludedSpans(patch.excluded) } : patch;
    const meta = { ...(await this.getEpisode(index)), ...checked };
    await this.writeEpisodeMeta(meta);
    return meta;
  }

  /** Moves an episode's files to `.trash/NNNNNN-<time>/`; nothing is deleted. */
  async remove(index: number): Promise<string> {
    const meta = await this.getEpisode(index);
    if (meta.status === 'recording') {
      throw new Error(`Episode ${index} is still recording; finish it (or open the dataset to recover it) before removing it.`);
    }
    const folder = `${TRASH}/${episodeStem(index)}-${Math.round(this.now() * 1000)}`;
    await this.storage.mkdir(folder);
    const stem = episodeStem(index);
    for (const name of await this.storage.list(EPISODES)) {
      if (name.startsWith(`${stem}.`)) await this.storage.move(`${EPISODES}/${name}`, `${folder}/${name}`);
    }
    return folder;
  }

  /** The episode's MCAP through the indexed reader; call `close()` when done. */
  async openEpisode(index: number): Promise<{ reader: McapIndexedReader; close: () => Promise<void> }> {
    const readable = await this.storage.openReadable(this.#mcapPath(index));
    try {
      const reader = await McapIndexedReader.Initialize({ readable });
      return { reader, close: () => readable.close() };
    } catch (error) {
      await readable.close();
      throw error;
    }
  }

  /** The episode aligned to a fixed rate (cached; see AlignedReader). */
  async readAligned(index: number, options: AlignOptions): Promise<AlignedEpisode> {
    const readable = await this.storage.openReadable(this.#mcapPath(index));
    try {
      const reader = await AlignedReader.Initialize({ readable, cache: this.#cache, cacheKey: `${episodeStem(index)}` });
      return await reader.read(options);
    } finally {
      await readable.close();
    }
  }

  /**
   * Computes per-feature statistics over the aligned, valid frames of every
   * usable episode (complete or recovered, not discarded) and writes
   * `stats.json` atomically.
   */
  async computeStats(options: AlignOptions): Promise<DatasetStats> {
    const accumulator = new StatsAccumulator();
    const episodes: number[] = [];
    for (const meta of await this.listEpisodes()) {
      if (meta.status === 'recording' || meta.outcome === 'discard') continue;
      accumulator.add(await this.readAligned(meta.index, options));
      episodes.push(meta.index);
    }
    const stats: DatasetStats = { rate: options.rate, episodes, frames: accumulator.frames, features: accumulator.result() };
    await this.storage.writeTextAtomic(STATS, json(stats));
    return stats;
  }

  async readStats(): Promise<DatasetStats | undefined> {
    const text = await this.storage.readText(STATS);
    return text == undefined ? undefined : (JSON.parse(text) as DatasetStats);
  }

  /** Atomic write of `episodes/NNNNNN.json`. */
  async writeEpisodeMeta(meta: EpisodeMeta): Promise<void> {
    await this.storage.writeTextAtomic(this.#metaPath(meta.index), json(meta));
  }

  #mcapPath(index: number): string {
    return `${EPISODES}/${episodeStem(index)}.mcap`;
  }

  #metaPath(index: number): string {
    return `${EPISODES}/${episodeStem(index)}.json`;
  }
}
