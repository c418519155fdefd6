import { open, type FileHandle } from 'node:fs/promises';

import type { McapTypes } from '@mcap/core';

/** A file as the IReadable that McapIndexedReader and recoverMcap take. */
export class FileReadable implements McapTypes.IReadable {
  readonly path: string;
  #handle: FileHandle;
  #size: bigint;

  private constructor(path: string, handle: FileHandle, size: bigint) {
    this.path = path;
    this.#handle = handle;
    this.#size = size;
  }

  static async open(path: string): Promise<FileReadable> {
    const handle = await open(path, 'r');
    const { size } = await handle.stat();
    return new FileReadable(path, handle, BigInt(size));
  }

  async size(): Promise<bigint> {
    return this.#size;
  }

  async read(offset: bigint, size: bigint): Promise<Uint8Array> {
    if (offset + size > this.#size) {
      throw new Error(
        `Read past end of ${this.path}: offset ${offset} + size ${size} > file size ${this.#size}`,
      );
    }
    const buffer = new Uint8Array(Number(size));
    let done = 0;
    while (done < buffer.byteLength) {
      const { bytesRead } = await this.#handle.read(buffer, done, buffer.byteLength - done, Number(offset) + done);
      if (bytesRead === 0) throw new Error(`Unexpected end of ${this.path} at ${Number(offset) + done}`);
      done += bytesRead;
    }
    return buffer;
  }

  async close(): Promise<void> {
    await this.#handle.close();
  }
}
