import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import type { LerobotVideo, VideoEncoderSink } from '../lerobotFormat.ts';

export type FfmpegVideoOptions = {
  /** Folder the relative video paths are under (the LeRobot dataset root). */
  root: string;
  /** ffmpeg executable. Default `ffmpeg` on PATH. */
  ffmpeg?: string;
  /** x264 constant rate factor (lower is better quality). Default 18: near-lossless for training images. */
  crf?: number;
  /** Keyframe interval in frames; LeRobot uses 2 so random access decodes at most one extra frame. Default 2. */
  gop?: number;
  /** x264 preset. Default `veryfast`. */
  preset?: string;
};

export const FFMPEG_MISSING_TIP =
  'Install ffmpeg (Debian/Ubuntu: apt-get install -y ffmpeg) or export with --images inline (images stored in the parquet).';

/** H.264 (libx264, yuv420p) MP4s through the ffmpeg command line, frames piped as raw RGB. */
export class FfmpegVideo implements LerobotVideo {
  readonly codec = 'h264';
  #options: Required<FfmpegVideoOptions>;

  constructor(options: FfmpegVideoOptions) {
    this.#options = {
      root: options.root,
      ffmpeg: options.ffmpeg ?? 'ffmpeg',
      crf: options.crf ?? 18,
      gop: options.gop ?? 2,
      preset: options.preset ?? 'veryfast',
    };
  }

  /** True when the ffmpeg executable runs and has libx264. */
  static async available(ffmpeg = 'ffmpeg'): Promise<boolean> {
    return new Promise((resolve) => {
      const child = spawn(ffmpeg, ['-hide_banner', '-encoders'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', () => resolve(false));
      child.on('close', (code) => resolve(code === 0 && out.includes('libx264')));
    });
  }

  async openEncoder(options: { path: string; width: number; height: number; fps: number }): Promise<VideoEncoderSink> {
    const { width, height, fps } = options;
    if (width % 2 !== 0 || height % 2 !== 0) {
      throw new Error(`H.264 yuv420p needs even image sizes, found ${width}x${height} for ${options.path}. Set an even image size (align.imageSize) or export with --images inline.`);
    }
    const out = join(this.#options.root, ...options.path.split('/'));
    await mkdir(dirname(out), { recursive: true });
    const o = this.#options;
    const child = this.#spawn([
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(fps), '-i', '-',
      '-c:v', 'libx264', '-preset', o.preset, '-crf', String(o.crf), '-g', String(o.gop),
      '-pix_fmt', 'yuv420p', '-movflags', '+faststart', out,
    ]);
    const done = finished(child, `encoding ${options.path}`);
    done.catch(() => undefined);
    return {
      write: async (rgb) => {
        if (rgb.byteLength !== width * height * 3) {
          throw new Error(`Expected a ${width}x${height} RGB frame (${width * height * 3} bytes), found ${rgb.byteLength} bytes`);
        }
        // Backpressure: wait for the pipe to drain, or for ffmpeg to fail.
        if (!child.stdin.write(rgb)) await Promise.race([once(child.stdin, 'drain'), done]);
      },
      close: async () => {
        child.stdin.end();
        await done;
      },
    };
  }

  async decode(options: { path: string; width: number; height: number }): Promise<Uint8Array> {
    const input = join(this.#options.root, ...options.path.split('/'));
    const child = this.#spawn(['-hide_banner', '-loglevel', 'error', '-i', input, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${options.width}x${options.height}`, '-']);
    child.stdin.end();
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    await finished(child, `decoding ${options.path}`);
    const all = Buffer.concat(chunks);
    return new Uint8Array(all.buffer, all.byteOffset, all.byteLength);
  }

  #spawn(args: string[]): ChildProcessWithoutNullStreams {
    return spawn(this.#options.ffmpeg, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  }
}

/** Resolves when the process exits 0; rejects with its stderr otherwise, or a clear message when ffmpeg is missing. */
function finished(child: ChildProcessWithoutNullStreams, what: string): Promise<void> {
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.on('error', () => undefined); // EPIPE when ffmpeg dies: reported by the exit below.
  return new Promise((resolve, reject) => {
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'ENOENT' ? new Error(`ffmpeg not found while ${what}: expected the ffmpeg executable on PATH. ${FFMPEG_MISSING_TIP}`) : error);
    });
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`ffmpeg failed while ${what} (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}
