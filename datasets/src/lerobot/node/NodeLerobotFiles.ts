import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import type { LerobotFiles } from '../lerobotFormat.ts';

/** LerobotFiles on a local folder. */
export class NodeLerobotFiles implements LerobotFiles {
  readonly root: string;

  constructor(options: { root: string }) {
    this.root = options.root;
  }

  path(relative: string): string {
    return join(this.root, ...relative.split('/'));
  }

  async write(path: string, data: Uint8Array | string): Promise<void> {
    const abs = this.path(path);
    await mkdir(dirname(abs), { recursive: true });
    await writeFile(abs, data);
  }

  async read(path: string): Promise<Uint8Array | undefined> {
    try {
      const buffer = await readFile(this.path(path));
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}
