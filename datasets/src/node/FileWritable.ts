import { open, type FileHandle } from 'node:fs/promises';

import type { EpisodeWritable } from '../EpisodeWriter.ts';

export type FileWritableOptions = {
  /**
   * Seconds between fsyncs on `flush()`; a forced flush always syncs. Default
   * 0.5 s: bounds what a power loss can take on top of the open chunk, without
   * an fsync per chunk on slow disks.
   */
  syncInterval?: number;
  /** Injected clock in seconds, for tests. Default `performance.now() / 1000`. */
  now?: () => number;
};

/**
 * Append-only file behind an EpisodeWriter. Refuses to open an existing file
 * (`wx`): an episode is never overwritten in place.
 */
export class FileWritable implements EpisodeWritable {
  readonly path: string;
  #handle: FileHandle;
  #position = 0n;
  #syncInterval: number;
  #now: () => number;
  #lastSync: number;

  private constructor(path: string, handle: FileHandle, options: FileWritableOptions) {
    this.path = path;
    this.#handle = handle;
    this.#syncInterval = options.syncInterval ?? 0.5;
    this.#now = options.now ?? (() => performance.now() / 1000);
    this.#lastSync = this.#now();
  }

  static async open(path: string, options: FileWritableOptions = {}): Promise<FileWritable> {
    const handle = await open(path, 'wx');
    return new FileWritable(path, handle, options);
  }

  position(): bigint {
    return this.#position;
  }

  async write(buffer: Uint8Array): Promise<void> {
    let done = 0;
    while (done < buffer.byteLength) {
      const { bytesWritten } = await this.#handle.write(buffer, done, buffer.byteLength - done);
      done += bytesWritten;
    }
    this.#position += BigInt(buffer.byteLength);
  }

  async flush(options: { force?: boolean } = {}): Promise<void> {
    const now = this.#now();
    if (options.force === true || now - this.#lastSync >= this.#syncInterval) {
      await this.#handle.datasync();
      this.#lastSync = now;
    }
  }

  async close(): Promise<void> {
    await this.#handle.sync();
    await this.#handle.close();
  }
}
