/**
 * The LeRobot dataset format v3.0 on disk (huggingface/lerobot,
 * `lerobot/datasets/utils.py`, CODEBASE_VERSION "v3.0"):
 *
 * ```
 * meta/info.json                              schema, fps, path templates, totals
 * meta/stats.json                             per-feature min/max/mean/std/count
 * meta/tasks.parquet                          task (pandas index) → task_index
 * meta/episodes/chunk-000/file-000.parquet    one row per episode: length, tasks,
 *                                             data and video file + from/to offsets, stats/*
 * data/chunk-000/file-000.parquet             one row per frame, episodes concatenated
 * videos/<video_key>/chunk-000/file-000.mp4   one video per camera, episodes concatenated
 * ```
 *
 * All I/O goes through the two small interfaces below so the exporter and
 * importer run on any storage; `node/` has the file system and ffmpeg adapters.
 */

export const CODEBASE_VERSION = 'v3.0';
export const DEFAULT_CHUNK_SIZE = 1000;
export const DEFAULT_DATA_FILE_SIZE_IN_MB = 100;
export const DEFAULT_VIDEO_FILE_SIZE_IN_MB = 500;
export const INFO_PATH = 'meta/info.json';
export const STATS_PATH = 'meta/stats.json';
export const TASKS_PATH = 'meta/tasks.parquet';
export const DATA_PATH = 'data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet';
export const VIDEO_PATH = 'videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4';
export const EPISODES_PATH = 'meta/episodes/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet';

/** Fills a LeRobot path template (`{chunk_index:03d}` style). */
export function formatPath(template: string, values: { chunk_index: number; file_index: number; video_key?: string }): string {
  return template.replace(/\{(\w+)(?::0?(\d+)d)?\}/g, (whole, key: string, width?: string) => {
    const value = (values as Record<string, string | number | undefined>)[key];
    if (value === undefined) throw new Error(`Path template ${template} needs ${key}, which was not given`);
    return width ? String(value).padStart(Number(width), '0') : String(value);
  });
}

export type LerobotFeature = {
  dtype: 'float32' | 'float64' | 'int64' | 'video' | 'image' | 'string' | 'bool';
  shape: number[];
  names: string[] | null;
  info?: Record<string, unknown>;
};

/** `meta/info.json`. */
export type LerobotInfo = {
  codebase_version: string;
  robot_type: string | null;
  total_episodes: number;
  total_frames: number;
  total_tasks: number;
  chunks_size: number;
  data_files_size_in_mb: number;
  video_files_size_in_mb: number;
  fps: number;
  splits: Record<string, string>;
  data_path: string;
  video_path: string | null;
  features: Record<string, LerobotFeature>;
};

/** Bytes in and out of a LeRobot dataset folder; paths relative, `/`-separated. */
export interface LerobotFiles {
  /** Creates parent folders as needed; replaces an existing file. */
  write(path: string, data: Uint8Array | string): Promise<void>;
  /** The file's bytes, or undefined if it does not exist. */
  read(path: string): Promise<Uint8Array | undefined>;
}

/** Encodes and decodes the camera MP4s (ffmpeg in `node/FfmpegVideo.ts`). */
export interface LerobotVideo {
  /** Codec name as written to `info.json` (`video.codec`), e.g. `h264`. */
  readonly codec: string;
  /** Starts an MP4 at `path` of `width×height` RGB frames at `fps`. */
  openEncoder(options: { path: string; width: number; height: number; fps: number }): Promise<VideoEncoderSink>;
  /** Every frame of the MP4 at `path` as packed RGB (`width·height·3` bytes each), in order. */
  decode(options: { path: string; width: number; height: number }): Promise<Uint8Array>;
}

export interface VideoEncoderSink {
  /** One packed RGB frame; resolves when the encoder accepted it (backpressure). */
  write(rgb: Uint8Array): Promise<void>;
  /** Finishes the file; rejects with the encoder's error output if it failed. */
  close(): Promise<void>;
}

export type LerobotProgress = {
  phase: 'episodes' | 'videos' | 'meta';
  /** Episodes done so far, of `total`. */
  done: number;
  total: number;
  /** Frames written so far. */
  frames: number;
};

/** The default feature keys cellkit writes, besides cameras. */
export const STATE_KEY = 'observation.state';
export const VELOCITY_KEY = 'observation.velocity';
export const WRENCH_KEY = 'observation.wrench';
export const ACTION_KEY = 'action';
export const IMAGE_PREFIX = 'observation.images.';

export const INDEX_FEATURES: Record<string, LerobotFeature> = {
  timestamp: { dtype: 'float32', shape: [1], names: null },
  frame_index: { dtype: 'int64', shape: [1], names: null },
  episode_index: { dtype: 'int64', shape: [1], names: null },
  index: { dtype: 'int64', shape: [1], names: null },
  task_index: { dtype: 'int64', shape: [1], names: null },
};
