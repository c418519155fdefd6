import { NodeDatasetStorage, type DatasetStorage, type EpisodeWritable } from '@cellkit/datasets';

/**
 * A dataset folder on the real disk whose episode writes can be made to
 * fail like a full disk (`failNow()`), for tests of what the operator sees
 * when the disk gives out mid-episode. Metadata writes keep working, so
 * earlier episodes stay readable.
 */
export class FailingStorage implements DatasetStorage {
  /** Episode writes fail with ENOSPC while true. */
  failing = false;
  readonly #inner: NodeDatasetStorage;

  constructor(options: { root: string }) {
    this.#inner = new NodeDatasetStorage(options);
  }

  failNow(): void {
    this.failing = true;
  }

  readText = (path: string) => this.#inner.readText(path);
  writeTextAtomic = (path: string, text: string) => this.#inner.writeTextAtomic(path, text);
  list = (dir: string) => this.#inner.list(dir);
  mkdir = (dir: string) => this.#inner.mkdir(dir);
  exists = (path: string) => this.#inner.exists(path);
  move = (from: string, to: string) => this.#inner.move(from, to);
  removeScratch = (path: string) => this.#inner.removeScratch(path);
  openReadable = (path: string) => this.#inner.openReadable(path);

  async createWritable(path: string): Promise<EpisodeWritable & { close(): Promise<void> }> {
    const inner = await this.#inner.createWritable(path);
    const write = async (buffer: Uint8Array): Promise<void> => {
      if (this.failing) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      return inner.write(buffer);
    };
    return { position: () => inner.position(), write, flush: (options) => inner.flush(options), close: () => inner.close() };
  }
}
