import type { AlignOptions, AlignedEpisode } from '../AlignedReader.ts';
import type { Dataset } from '../Dataset.ts';
import type { EpisodeMeta } from '../datasetTypes.ts';
import { GRIPPER_JOINT } from '../ros2/messages.ts';
import {
  ACTION_KEY,
  CODEBASE_VERSION,
  DATA_PATH,
  DEFAULT_CHUNK_SIZE,
  DEFAULT_DATA_FILE_SIZE_IN_MB,
  DEFAULT_VIDEO_FILE_SIZE_IN_MB,
  EPISODES_PATH,
  IMAGE_PREFIX,
  INDEX_FEATURES,
  INFO_PATH,
  STATE_KEY,
  STATS_PATH,
  TASKS_PATH,
  VELOCITY_KEY,
  VIDEO_PATH,
  WRENCH_KEY,
  formatPath,
  type LerobotFeature,
  type LerobotFiles,
  type LerobotInfo,
  type LerobotProgress,
  type LerobotVideo,
  type VideoEncoderSink,
} from './lerobotFormat.ts';
import { encodeRgbJpeg } from './encodeRgbJpeg.ts';
import { ImageStats, VectorStats, type LerobotStats } from './lerobotStats.ts';
import { writeTable, writeTasksTable, type Column } from './parquetTable.ts';

export type ExportLerobotOptions = {
  dataset: Dataset;
  files: LerobotFiles;
  /** Encoder for `images: 'video'` (FfmpegVideo in node). */
  video?: LerobotVideo;
  /** Frame rate of the export, Hz. Default 30. */
  fps?: number;
  /** Cameras as MP4 videos (LeRobot's default) or JPEG images inside the data parquet. Default 'video'. */
  images?: 'video' | 'inline';
  /** Episode indexes to export. Default: every complete or recovered episode not marked discard. */
  episodes?: number[];
  /** Alignment options besides the rate (tolerances, image size, cameras). */
  align?: Omit<AlignOptions, 'rate'>;
  /** Quality of inline JPEG images, 1..100. Default 95. */
  jpegQuality?: number;
  onProgress?: (progress: LerobotProgress) => void;
};

export type ExportLerobotResult = { info: LerobotInfo; episodes: number[]; skipped: { index: number; reason: string }[]; frames: number };

/** Which cellkit aligned features make up each LeRobot vector feature. */
type Layout = {
  joints: string[];
  gripper: boolean;
  wrench: boolean;
  action: string[];
  cameras: { name: string; width: number; height: number }[];
};

/**
 * Exports a cellkit dataset as a LeRobot v3.0 dataset. Each episode is read
 * through the aligned reader at `fps`; rows become frames of
 * `data/chunk-000/file-000.parquet` (`observation.state` = joint positions then
 * `finger_joint`, `observation.velocity`, `observation.wrench`, `action` =
 * the command actually sent), cameras become one MP4 per camera with the
 * episodes concatenated (from/to timestamps in the episodes parquet), or
 * inline JPEG images. Frames the reader marked invalid keep NaN values (and
 * black images); they are left out of the statistics.
 */
export async function exportLerobot(options: ExportLerobotOptions): Promise<ExportLerobotResult> {
  const { dataset, files } = options;
  const fps = options.fps ?? 30;
  const images = options.images ?? 'video';
  if (!(fps > 0)) throw new Error(`Expected a positive fps, found ${fps}`);
  if (images === 'video' && !options.video) {
    throw new Error('Exporting cameras as video needs a video encoder (ffmpeg): pass `video`, or export with images: "inline".');
  }
  const metas = await episodesToExport(dataset, options.episodes);
  const tasks: string[] = [];
  const progress = (phase: LerobotProgress['phase'], done: number, frames: number): void =>
    options.onProgress?.({ phase, done, total: metas.length, frames });

  let layout: Layout | undefined;
  const cols = new FrameColumns();
  const stats = new Map<string, VectorStats | ImageStats>();
  const episodeRows: Record<string, unknown>[] = [];
  const encoders = new Map<string, VideoEncoderSink>();
  const skipped: { index: number; reason: string }[] = [];
  const exported: number[] = [];
  let frames = 0;
  try {
    for (const [k, meta] of metas.entries()) {
      const aligned = await dataset.readAligned(meta.index, { ...options.align, rate: fps });
      if (aligned.length === 0) {
        skipped.push({ index: meta.index, reason: 'no aligned frames (a state stream is empty)' });
        progress('episodes', k + 1, frames);
        continue;
      }
      const found = layoutOf(aligned);
      layout ??= found;
      checkLayout(layout, found, meta.index);
      if (!tasks.includes(meta.task)) tasks.push(meta.task);
      const episodeIndex = exported.length;
      const episodeStats = new Map<string, VectorStats | ImageStats>();
      const vectors = vectorsOf(aligned, layout);
      for (let i = 0; i < aligned.length; i++) {
        cols.push({ timestamp: i / fps, frameIndex: i, episodeIndex, index: frames + i, taskIndex: tasks.indexOf(meta.task) });
        for (const [key, v] of Object.entries(vectors)) {
          const row = Array.from(v.data.subarray(i * v.dim, (i + 1) * v.dim));
          cols.vector(key, row);
          for (const s of [stats, episodeStats]) statsFor(s, key, () => new VectorStats(v.dim)).add(row);
        }
      }
      const row: Record<string, unknown> = {
        episode_index: episodeIndex,
        tasks: [meta.task],
        length: aligned.length,
        'data/chunk_index': 0,
        'data/file_index': 0,
        dataset_from_index: frames,
        dataset_to_index: frames + aligned.length,
      };
      for (const camera of layout.cameras) {
        const key = `${IMAGE_PREFIX}${camera.name}`;
        const c = aligned.cameras[camera.name]!;
        const pixels = c.width * c.height;
        for (let i = 0; i < aligned.length; i++) {
          statsFor(stats, key, () => new ImageStats()).addFrame(c.data, i * pixels * 3, pixels);
        }
        if (images === 'video') {
          let encoder = encoders.get(key);
          if (!encoder) {
            encoder = await options.video!.openEncoder({ path: formatPath(VIDEO_PATH, { video_key: key, chunk_index: 0, file_index: 0 }), width: c.width, height: c.height, fps });
            encoders.set(key, encoder);
          }
          for (let i = 0; i < aligned.length; i++) await encoder.write(c.data.subarray(i * pixels * 3, (i + 1) * pixels * 3));
          // One MP4 per camera holds every episode: offsets are from its start.
          Object.assign(row, {
            [`videos/${key}/chunk_index`]: 0,
            [`videos/${key}/file_index`]: 0,
            [`videos/${key}/from_timestamp`]: frames / fps,
            [`videos/${key}/to_timestamp`]: (frames + aligned.length) / fps,
          });
        } else {
          for (let i = 0; i < aligned.length; i++) {
            cols.image(key, { bytes: encodeRgbJpeg(c.data, i * pixels * 3, c.width, c.height, options.jpegQuality ?? 95), path: `frame-${String(i).padStart(6, '0')}.jpg` });
          }
        }
      }
      Object.assign(row, {
        'meta/episodes/chunk_index': 0,
        'meta/episodes/file_index': 0,
        'cellkit/episode': meta.index,
        'cellkit/outcome': meta.outcome ?? '',
        'cellkit/operator': meta.operator,
        'cellkit/notes': meta.notes,
        'cellkit/start_time': aligned.timestamps[0]!,
      });
      for (const [key, s] of episodeStats) {
        const r = s.result();
        for (const stat of ['min', 'max', 'mean', 'std', 'count'] as const) row[`stats/${key}/${stat}`] = r[stat];
      }
      episodeRows.push(row);
      exported.push(meta.index);
      frames += aligned.length;
      progress('episodes', k + 1, frames);
    }
  } finally {
    progress('videos', exported.length, frames);
    const closing = [...encoders.values()].map((e) => e.close());
    await Promise.all(closing);
  }

  if (!layout) {
    throw new Error(`No episode to export: expected at least one complete episode with aligned frames, found ${metas.length} candidate(s)${skipped.length ? ` (${skipped.map((s) => `${s.index}: ${s.reason}`).join('; ')})` : ''}.`);
  }
  const features = featuresOf(layout, fps, images, options.video?.codec ?? 'h264');
  await files.write(formatPath(DATA_PATH, { chunk_index: 0, file_index: 0 }), writeTable(cols.columns(features)));
  await files.write(formatPath(EPISODES_PATH, { chunk_index: 0, file_index: 0 }), writeTable(episodeColumns(episodeRows)));
  await files.write(TASKS_PATH, writeTasksTable(tasks));
  const statsJson: Record<string, LerobotStats> = {};
  for (const [key, s] of stats) statsJson[key] = s.result();
  await files.write(STATS_PATH, `${JSON.stringify(statsJson, null, 4)}\n`);
  const info: LerobotInfo = {
    codebase_version: CODEBASE_VERSION,
    robot_type: dataset.info.robot,
    total_episodes: exported.length,
    total_frames: frames,
    total_tasks: tasks.length,
    chunks_size: DEFAULT_CHUNK_SIZE,
    data_files_size_in_mb: DEFAULT_DATA_FILE_SIZE_IN_MB,
    video_files_size_in_mb: DEFAULT_VIDEO_FILE_SIZE_IN_MB,
    fps,
    splits: { train: `0:${exported.length}` },
    data_path: DATA_PATH,
    video_path: images === 'video' && layout.cameras.length > 0 ? VIDEO_PATH : null,
    features,
  };
  await files.write(INFO_PATH, `${JSON.stringify(info, null, 4)}\n`);
  progress('meta', exported.length, frames);
  return { info, episodes: exported, skipped, frames };
}

async function episodesToExport(dataset: Dataset, wanted: number[] | undefined): Promise<EpisodeMeta[]> {
  const all = await dataset.listEpisodes();
  if (wanted) {
    return wanted.map((index) => {
      const meta = all.find((m) => m.index === index);
      if (!meta) throw new Error(`No episode ${index} to export: expected one of [${all.map((m) => m.index).join(', ')}]`);
      if (meta.status === 'recording') throw new Error(`Episode ${index} is still recording; finish or recover it (open the dataset) first.`);
      return meta;
    });
  }
  return all.filter((m) => m.status !== 'recording' && m.outcome !== 'discard');
}

function layoutOf(a: AlignedEpisode): Layout {
  const position = a.features['observation.joint_position'];
  return {
    joints: position?.names ?? [],
    gripper: a.features['observation.gripper'] !== undefined,
    wrench: a.features['observation.wrench'] !== undefined,
    action: a.features.action?.names ?? [],
    cameras: Object.entries(a.cameras).map(([name, c]) => ({ name, width: c.width, height: c.height })),
  };
}

function checkLayout(expected: Layout, found: Layout, index: number): void {
  const e = JSON.stringify(expected);
  const f = JSON.stringify(found);
  if (e !== f) {
    throw new Error(`Episode ${index} has a different layout than the first exported episode: expected ${e}, found ${f}. Export episodes of one cell setup together (--episodes), or set align.imageSize.`);
  }
}

type Vector = { dim: number; data: Float32Array };

/** The LeRobot vector features of an aligned episode (row-major, NaN where invalid). */
function vectorsOf(a: AlignedEpisode, layout: Layout): Record<string, Vector> {
  const n = a.length;
  const take = (name: string, dim: number): Float32Array => {
    const f = a.features[name];
    if (!f) return new Float32Array(n * dim).fill(Number.NaN);
    return f.data;
  };
  const nj = layout.joints.length;
  const state = new Float32Array(n * (nj + (layout.gripper ? 1 : 0)));
  const position = take('observation.joint_position', nj);
  const gripper = layout.gripper ? take('observation.gripper', 1) : undefined;
  const ds = nj + (gripper ? 1 : 0);
  for (let i = 0; i < n; i++) {
    state.set(position.subarray(i * nj, (i + 1) * nj), i * ds);
    if (gripper) state[i * ds + nj] = gripper[i]!;
  }
  const out: Record<string, Vector> = { [STATE_KEY]: { dim: ds, data: state }, [VELOCITY_KEY]: { dim: nj, data: take('observation.joint_velocity', nj) } };
  if (layout.wrench) out[WRENCH_KEY] = { dim: 6, data: take('observation.wrench', 6) };
  if (layout.action.length > 0) out[ACTION_KEY] = { dim: layout.action.length, data: take('action', layout.action.length) };
  return out;
}

function featuresOf(layout: Layout, fps: number, images: 'video' | 'inline', codec: string): Record<string, LerobotFeature> {
  const features: Record<string, LerobotFeature> = {
    [STATE_KEY]: { dtype: 'float32', shape: [layout.joints.length + (layout.gripper ? 1 : 0)], names: layout.gripper ? [...layout.joints, GRIPPER_JOINT] : layout.joints },
    [VELOCITY_KEY]: { dtype: 'float32', shape: [layout.joints.length], names: layout.joints },
  };
  if (layout.wrench) features[WRENCH_KEY] = { dtype: 'float32', shape: [6], names: ['force.x', 'force.y', 'force.z', 'torque.x', 'torque.y', 'torque.z'] };
  if (layout.action.length > 0) features[ACTION_KEY] = { dtype: 'float32', shape: [layout.action.length], names: layout.action };
  for (const c of layout.cameras) {
    const feature: LerobotFeature = { dtype: images === 'video' ? 'video' : 'image', shape: [c.height, c.width, 3], names: ['height', 'width', 'channels'] };
    if (images === 'video') {
      feature.info = {
        'video.height': c.height,
        'video.width': c.width,
        'video.codec': codec,
        'video.pix_fmt': 'yuv420p',
        'video.is_depth_map': false,
        'video.fps': fps,
        'video.channels': 3,
        has_audio: false,
      };
    }
    features[`${IMAGE_PREFIX}${c.name}`] = feature;
  }
  return { ...features, ...INDEX_FEATURES };
}

function statsFor<T extends VectorStats | ImageStats>(map: Map<string, VectorStats | ImageStats>, key: string, make: () => T): T {
  let s = map.get(key);
  if (!s) map.set(key, (s = make()));
  return s as T;
}

/** Column builders for the data parquet. */
class FrameColumns {
  #index = { timestamp: [] as number[], frame_index: [] as number[], episode_index: [] as number[], index: [] as number[], task_index: [] as number[] };
  #vectors = new Map<string, number[][]>();
  #images = new Map<string, { bytes: Uint8Array; path: string }[]>();

  push(r: { timestamp: number; frameIndex: number; episodeIndex: number; index: number; taskIndex: number }): void {
    this.#index.timestamp.push(r.timestamp);
    this.#index.frame_index.push(r.frameIndex);
    this.#index.episode_index.push(r.episodeIndex);
    this.#index.index.push(r.index);
    this.#index.task_index.push(r.taskIndex);
  }

  vector(key: string, row: number[]): void {
    let list = this.#vectors.get(key);
    if (!list) this.#vectors.set(key, (list = []));
    list.push(row);
  }

  image(key: string, value: { bytes: Uint8Array; path: string }): void {
    let list = this.#images.get(key);
    if (!list) this.#images.set(key, (list = []));
    list.push(value);
  }

  columns(features: Record<string, LerobotFeature>): Column[] {
    const out: Column[] = [];
    for (const [key, f] of Object.entries(features)) {
      if (f.dtype === 'float32' && key in INDEX_FEATURES === false) out.push({ name: key, kind: 'list<float32>', data: this.#vectors.get(key)!, length: f.shape[0] });
      if (f.dtype === 'image') out.push({ name: key, kind: 'image', data: this.#images.get(key)! });
    }
    out.push(
      { name: 'timestamp', kind: 'float32', data: this.#index.timestamp },
      { name: 'frame_index', kind: 'int64', data: this.#index.frame_index },
      { name: 'episode_index', kind: 'int64', data: this.#index.episode_index },
      { name: 'index', kind: 'int64', data: this.#index.index },
      { name: 'task_index', kind: 'int64', data: this.#index.task_index },
    );
    return out;
  }
}

function episodeColumns(rows: Record<string, unknown>[]): Column[] {
  const keys = Object.keys(rows[0] ?? {});
  return keys.map((name): Column => {
    const data = rows.map((r) => r[name]);
    const sample = data[0];
    if (name === 'tasks') return { name, kind: 'list<string>', data };
    if (typeof sample === 'string') return { name, kind: 'string', data };
    if (Array.isArray(sample)) {
      // Image stats are [3][1][1]: flattened to a list here (per-channel values).
      return { name, kind: 'list<float64>', data: data.map((v) => (v as unknown[]).flat(2)) };
    }
    if (name.endsWith('_timestamp') || name === 'cellkit/start_time') return { name, kind: 'float64', data };
    return { name, kind: 'int64', data };
  });
}
