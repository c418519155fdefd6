// The I/O seam of a policy bundle: a flat folder of named files. The Node
// adapter (`node/DirBundleStore.ts`) maps it to a directory; tests use memory.

export interface BundleStore {
  write(name: string, data: Uint8Array | string): Promise<void>;
  /** The file's bytes, or null when it does not exist. */
  read(name: string): Promise<Uint8Array | null>;
}

export class MemoryBundleStore implements BundleStore {
  readonly files = new Map<string, Uint8Array>();

  async write(name: string, data: Uint8Array | string): Promise<void> {
    this.files.set(name, typeof data === 'string' ? new TextEncoder().encode(data) : data.slice());
  }

  async read(name: string): Promise<Uint8Array | null> {
    return this.files.get(name)?.slice() ?? null;
  }
}
