import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { AlignedCache } from '../alignedCache.ts';
import { writeFileAtomic } from './NodeDatasetStorage.ts';

/**
 * Aligned episodes cached as binary files (`<dir>/<key>.bin`), by default
 * `<dataset>/episodes/.cache/`. Keys embed the MCAP fingerprint, so a changed
 * episode never matches a stale file; deleting the folder is always safe.
 */
export class FileAlignedCache implements AlignedCache {
  readonly dir: string;

  constructor(options: { dir: string }) {
    this.dir = options.dir;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const buffer = await readFile(join(this.dir, `${key}.bin`));
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomic(join(this.dir, `${key}.bin`), value);
  }
}
