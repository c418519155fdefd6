// Node adapter: a BundleStore backed by a directory. Writes go to a temporary
// file then rename, so a crash never leaves a half-written file under its
// real name.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BundleStore } from '../bundle/BundleStore.ts';

export class DirBundleStore implements BundleStore {
  constructor(readonly dir: string) {}

  async write(name: string, data: Uint8Array | string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const path = join(this.dir, name);
    await writeFile(`${path}.tmp`, data);
    await rename(`${path}.tmp`, path);
  }

  async read(name: string): Promise<Uint8Array | null> {
    try {
      return new Uint8Array(await readFile(join(this.dir, name)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }
}
