import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, link, mkdir, open, readFile, readdir, rename, rm, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import type { DatasetStorage } from '../DatasetStorage.ts';
import { FileReadable } from './FileReadable.ts';
import { FileWritable, type FileWritableOptions } from './FileWritable.ts';

/** fsync a folder so a rename or create inside it survives power loss. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Atomic text write: temp file in the same folder, fsync, rename, fsync the folder. */
export async function writeFileAtomic(path: string, text: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
  await syncDir(dir);
}

/** DatasetStorage on a folder of the local file system. */
export class NodeDatasetStorage implements DatasetStorage {
  readonly root: string;
  #writableOptions: FileWritableOptions;

  constructor(options: { root: string; writable?: FileWritableOptions }) {
    this.root = options.root;
    this.#writableOptions = options.writable ?? {};
  }

  #abs(path: string): string {
    return join(this.root, ...path.split('/'));
  }

  async readText(path: string): Promise<string | undefined> {
    try {
      return await readFile(this.#abs(path), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  writeTextAtomic(path: string, text: string): Promise<void> {
    return writeFileAtomic(this.#abs(path), text);
  }

  async list(dir: string): Promise<string[]> {
    try {
      return (await readdir(this.#abs(dir))).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  async mkdir(dir: string): Promise<void> {
    await mkdir(this.#abs(dir), { recursive: true });
  }

  async exists(path: string): Promise<boolean> {
    try {
      await access(this.#abs(path), constants.F_OK);
      return true;
    } catch {
      return false;
    }
  }

  async move(from: string, to: string): Promise<void> {
    // link + unlink refuses to replace an existing `to`, unlike rename.
    await link(this.#abs(from), this.#abs(to));
    await unlink(this.#abs(from));
    await syncDir(dirname(this.#abs(to)));
    if (dirname(this.#abs(from)) !== dirname(this.#abs(to))) await syncDir(dirname(this.#abs(from)));
  }

  async removeScratch(path: string): Promise<void> {
    await rm(this.#abs(path), { force: true });
  }

  createWritable(path: string): Promise<FileWritable> {
    return FileWritable.open(this.#abs(path), this.#writableOptions);
  }

  openReadable(path: string): Promise<FileReadable> {
    return FileReadable.open(this.#abs(path));
  }
}
