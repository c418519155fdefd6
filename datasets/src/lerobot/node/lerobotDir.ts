import { basename } from 'node:path';

import type { Dataset } from '../../Dataset.ts';
import { createDatasetDir } from '../../node/openDatasetDir.ts';
import { exportLerobot, type ExportLerobotOptions, type ExportLerobotResult } from '../exportLerobot.ts';
import { cellkitInfoFor, importLerobot, readLerobotInfo, type ImportLerobotOptions } from '../importLerobot.ts';
import { FFMPEG_MISSING_TIP, FfmpegVideo } from './FfmpegVideo.ts';
import { NodeLerobotFiles } from './NodeLerobotFiles.ts';

/**
 * Exports `dataset` as a LeRobot v3.0 folder at `out` (ffmpeg for videos).
 * With `images: 'video'` and no usable ffmpeg, fails before writing anything,
 * saying so and offering `images: 'inline'`.
 */
export async function exportLerobotDir(
  options: Omit<ExportLerobotOptions, 'files' | 'video'> & { out: string; ffmpeg?: string },
): Promise<ExportLerobotResult> {
  const images = options.images ?? 'video';
  if (images === 'video' && !(await FfmpegVideo.available(options.ffmpeg))) {
    throw new Error(`ffmpeg with libx264 not found (${options.ffmpeg ?? 'ffmpeg'}): camera videos need it. ${FFMPEG_MISSING_TIP}`);
  }
  return exportLerobot({
    ...options,
    files: new NodeLerobotFiles({ root: options.out }),
    video: images === 'video' ? new FfmpegVideo({ root: options.out, ffmpeg: options.ffmpeg }) : undefined,
  });
}

/** Imports the LeRobot v3.0 folder `from` into a new cellkit dataset folder `to`. */
export async function importLerobotDir(
  options: Omit<ImportLerobotOptions, 'files' | 'video' | 'target'> & { from: string; to: string; ffmpeg?: string },
): Promise<{ dataset: Dataset; episodes: number; frames: number }> {
  const files = new NodeLerobotFiles({ root: options.from });
  const info = await readLerobotInfo(files);
  const hasVideo = Object.values(info.features).some((f) => f.dtype === 'video');
  if (hasVideo && !(await FfmpegVideo.available(options.ffmpeg))) {
    throw new Error(`ffmpeg not found (${options.ffmpeg ?? 'ffmpeg'}): this LeRobot dataset stores cameras as video. Install ffmpeg (apt-get install -y ffmpeg).`);
  }
  const dataset = await createDatasetDir(options.to, cellkitInfoFor(info, basename(options.to)), { cache: 'none' });
  const result = await importLerobot({ ...options, files, video: hasVideo ? new FfmpegVideo({ root: options.from, ffmpeg: options.ffmpeg }) : undefined, target: dataset });
  return { dataset, episodes: result.episodes.length, frames: result.frames };
}
