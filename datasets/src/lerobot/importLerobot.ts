import type { Dataset } from '../Dataset.ts';
import type { DatasetInfo, EpisodeMeta, EpisodeOutcome } from '../datasetTypes.ts';
import { featuresFor } from '../features.ts';
import { CAMERA_TYPE, EPISODE_TOPICS, GRIPPER_JOINT, cameraTopic } from '../ros2/messages.ts';
import {
  ACTION_KEY,
  CODEBASE_VERSION,
  EPISODES_PATH,
  IMAGE_PREFIX,
  INFO_PATH,
  STATE_KEY,
  TASKS_PATH,
  VELOCITY_KEY,
  WRENCH_KEY,
  formatPath,
  type LerobotFiles,
  type LerobotInfo,
  type LerobotProgress,
  type LerobotVideo,
} from './lerobotFormat.ts';
import { encodeRgbJpeg } from './encodeRgbJpeg.ts';
import { readTable } from './parquetTable.ts';

export type ImportLerobotOptions = {
  files: LerobotFiles;
  /** Decoder for video features (FfmpegVideo in node). */
  video?: LerobotVideo;
  /** The cellkit dataset to add episodes to (see `cellkitInfoFor` to create it). */
  target: Dataset;
  /** Epoch seconds of the first episode when the export has no `cellkit/start_time`. Default: now. */
  start?: number;
  /** JPEG quality of the recorded camera frames, 1..100. Default 90. */
  jpegQuality?: number;
  onProgress?: (progress: LerobotProgress) => void;
};

/** How the LeRobot features map back to cellkit streams. */
type Mapping = { joints: string[]; gripper: boolean; action: 'joints+gripper' | 'joints'; cameras: { key: string; name: string; width: number; height: number; video: boolean }[] };

export async function readLerobotInfo(files: LerobotFiles): Promise<LerobotInfo> {
  const bytes = await files.read(INFO_PATH);
  if (!bytes) throw new Error(`No ${INFO_PATH}: expected a LeRobot dataset folder.`);
  const info = JSON.parse(new TextDecoder().decode(bytes)) as LerobotInfo;
  if (info.codebase_version !== CODEBASE_VERSION) {
    throw new Error(`LeRobot codebase_version ${info.codebase_version}: expected ${CODEBASE_VERSION}. Convert it with LeRobot's convert_dataset_v21_to_v30 first.`);
  }
  return info;
}

function mappingOf(info: LerobotInfo): Mapping {
  const state = info.features[STATE_KEY];
  if (!state) throw new Error(`LeRobot dataset has no ${STATE_KEY} feature; found [${Object.keys(info.features).join(', ')}].`);
  const names = state.names ?? Array.from({ length: state.shape[0]! }, (_, k) => `joint_${k}`);
  const gripper = names[names.length - 1] === GRIPPER_JOINT;
  const joints = gripper ? names.slice(0, -1) : names;
  const action = info.features[ACTION_KEY];
  if (!action) throw new Error(`LeRobot dataset has no ${ACTION_KEY} feature; cellkit episodes need the command sent.`);
  const dim = action.shape[0]!;
  if (dim !== joints.length && dim !== joints.length + 1) {
    throw new Error(`${ACTION_KEY} has ${dim} entries: expected ${joints.length} joint velocities (plus 1 for the gripper) to match ${STATE_KEY}.`);
  }
  const cameras = Object.entries(info.features)
    .filter(([key, f]) => key.startsWith(IMAGE_PREFIX) && (f.dtype === 'video' || f.dtype === 'image'))
    .map(([key, f]) => ({ key, name: key.slice(IMAGE_PREFIX.length), height: f.shape[0]!, width: f.shape[1]!, video: f.dtype === 'video' }));
  return { joints, gripper, action: dim === joints.length ? 'joints' : 'joints+gripper', cameras };
}

/** The `dataset.json` fields for a cellkit dataset that will hold this LeRobot dataset. */
export function cellkitInfoFor(info: LerobotInfo, name: string): Omit<DatasetInfo, 'schemaVersion' | 'createdAt'> {
  const m = mappingOf(info);
  return { name, robot: info.robot_type ?? 'unknown', features: featuresFor({ joints: m.joints, gripper: m.gripper, cameras: m.cameras }), tasks: [] };
}

/**
 * Imports a LeRobot v3.0 dataset into a cellkit dataset: each LeRobot episode
 * becomes an episode MCAP whose streams are sampled at the dataset's fps
 * (joint states with the gripper as finger_joint, wrench, the action as
 * cellkit_msgs/JointCommand, cameras as JPEG CompressedImage). Reading it back
 * aligned at that fps gives the same states and actions, and the images
 * within JPEG/video tolerance.
 */
export async function importLerobot(options: ImportLerobotOptions): Promise<{ episodes: EpisodeMeta[]; frames: number }> {
  const { files, target } = options;
  const info = await readLerobotInfo(files);
  const m = mappingOf(info);
  const fps = info.fps;
  const tasksBytes = await files.read(TASKS_PATH);
  const tasks = new Map<number, string>();
  for (const row of tasksBytes ? await readTable(tasksBytes) : []) tasks.set(Number(row.task_index), String(row.task ?? row.__index_level_0__));

  const episodes: Record<string, unknown>[] = [];
  for (let file = 0; ; file++) {
    const bytes = await files.read(formatPath(EPISODES_PATH, { chunk_index: 0, file_index: file }));
    if (!bytes) break;
    episodes.push(...(await readTable(bytes)));
  }
  if (episodes.length === 0) throw new Error(`No episodes found: expected ${formatPath(EPISODES_PATH, { chunk_index: 0, file_index: 0 })}.`);

  const dataFiles = new Map<string, Record<string, unknown>[]>();
  const frameRows = async (chunk: number, file: number): Promise<Record<string, unknown>[]> => {
    const path = formatPath(info.data_path, { chunk_index: chunk, file_index: file });
    let rows = dataFiles.get(path);
    if (!rows) {
      const bytes = await files.read(path);
      if (!bytes) throw new Error(`Missing data file ${path} named by the episodes parquet.`);
      dataFiles.set(path, (rows = await readTable(bytes)));
    }
    return rows;
  };
  const videos = new Map<string, Uint8Array>();
  const videoFrames = async (camera: Mapping['cameras'][number], chunk: number, file: number): Promise<Uint8Array> => {
    const path = formatPath(info.video_path ?? '', { video_key: camera.key, chunk_index: chunk, file_index: file });
    let frames = videos.get(path);
    if (!frames) {
      if (!options.video) throw new Error(`${camera.key} is stored as video: importing it needs a video decoder (ffmpeg).`);
      videos.set(path, (frames = await options.video.decode({ path, width: camera.width, height: camera.height })));
    }
    return frames;
  };

  for (const task of tasks.values()) if (!target.info.tasks.includes(task)) await target.updateInfo({ tasks: [...target.info.tasks, task] });
  const out: EpisodeMeta[] = [];
  let frames = 0;
  let nextStart = options.start ?? target.now();
  for (const [k, ep] of episodes.entries()) {
    const length = Number(ep.length);
    const from = Number(ep.dataset_from_index);
    const rows = (await frameRows(Number(ep['data/chunk_index'] ?? 0), Number(ep['data/file_index'] ?? 0))).filter(
      (r) => Number(r.episode_index) === Number(ep.episode_index),
    );
    rows.sort((a, b) => Number(a.frame_index) - Number(b.frame_index));
    if (rows.length !== length) throw new Error(`Episode ${ep.episode_index}: episodes parquet says ${length} frames (from index ${from}), data has ${rows.length}.`);
    const start = typeof ep['cellkit/start_time'] === 'number' ? (ep['cellkit/start_time'] as number) : nextStart;
    const taskList = ep.tasks as string[] | undefined;
    const task = taskList?.[0] ?? tasks.get(Number(rows[0]?.task_index)) ?? '';
    const recording = await target.startEpisode({ task, operator: String(ep['cellkit/operator'] ?? ''), notes: String(ep['cellkit/notes'] ?? ''), startTime: start });
    const w = recording.writer;
    await w.addStream(EPISODE_TOPICS.jointStates.topic, EPISODE_TOPICS.jointStates.type);
    const hasWrench = info.features[WRENCH_KEY] !== undefined;
    if (hasWrench) await w.addStream(EPISODE_TOPICS.wrench.topic, EPISODE_TOPICS.wrench.type);
    await w.addStream(EPISODE_TOPICS.action.topic, EPISODE_TOPICS.action.type);
    for (const c of m.cameras) await w.addStream(cameraTopic(c.name), CAMERA_TYPE);
    const cameraSource = new Map<string, (i: number) => Uint8Array>();
    for (const c of m.cameras) {
      if (c.video) {
        const all = await videoFrames(c, Number(ep[`videos/${c.key}/chunk_index`] ?? 0), Number(ep[`videos/${c.key}/file_index`] ?? 0));
        const first = Math.round(Number(ep[`videos/${c.key}/from_timestamp`] ?? 0) * fps);
        const size = c.width * c.height * 3;
        cameraSource.set(c.key, (i) => encodeRgbJpeg(all, (first + i) * size, c.width, c.height, options.jpegQuality ?? 90));
      } else {
        cameraSource.set(c.key, (i) => {
          const image = rows[i]![c.key] as { bytes?: Uint8Array } | null;
          if (!image?.bytes || image.bytes[0] !== 0xff || image.bytes[1] !== 0xd8) throw new Error(`${c.key} frame ${i} of episode ${ep.episode_index} is not a JPEG: cellkit imports JPEG images only.`);
          return image.bytes;
        });
      }
    }
    for (const [i, r] of rows.entries()) {
      const t = start + Number(r.frame_index) / fps;
      const state = r[STATE_KEY] as number[];
      const velocity = (r[VELOCITY_KEY] as number[] | undefined) ?? m.joints.map(() => Number.NaN);
      const position = m.gripper ? state : state.slice(0, m.joints.length);
      const jointVelocity = m.gripper ? [...velocity, Number.NaN] : velocity;
      const header = { stamp: t, receiveTime: t };
      await w.write(EPISODE_TOPICS.jointStates.topic, { ...header, msg: { name: m.gripper ? [...m.joints, GRIPPER_JOINT] : m.joints, position, velocity: jointVelocity, effort: [] } });
      if (hasWrench) {
        const [fx, fy, fz, tx, ty, tz] = r[WRENCH_KEY] as number[];
        await w.write(EPISODE_TOPICS.wrench.topic, { ...header, msg: { wrench: { force: { x: fx, y: fy, z: fz }, torque: { x: tx, y: ty, z: tz } } } });
      }
      const action = r[ACTION_KEY] as number[];
      await w.write(EPISODE_TOPICS.action.topic, {
        ...header,
        msg: { name: m.joints, velocity: action.slice(0, m.joints.length), gripper: m.action === 'joints+gripper' ? action[m.joints.length]! : Number.NaN },
      });
      for (const c of m.cameras) await w.write(cameraTopic(c.name), { ...header, msg: { format: 'jpeg', data: cameraSource.get(c.key)!(i) } });
    }
    const outcome = String(ep['cellkit/outcome'] ?? '');
    out.push(await recording.finish({ outcome: (['success', 'failure', 'discard'].includes(outcome) ? outcome : null) as EpisodeOutcome }));
    frames += length;
    nextStart = start + length / fps + 1;
    options.onProgress?.({ phase: 'episodes', done: k + 1, total: episodes.length, frames });
  }
  return { episodes: out, frames };
}
