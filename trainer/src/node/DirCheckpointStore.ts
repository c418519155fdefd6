// Node adapter: keeps the latest checkpoint in a directory as
// checkpoint.json + checkpoint.bin. The blob is renamed into place before the
// JSON, and the JSON records the blob's size, so a crash mid-save leaves the
// previous checkpoint loadable or is detected, never silently half-read.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Checkpoint, CheckpointStore } from '../checkpoint/Checkpoint.ts';
import { deserializeCheckpoint, serializeCheckpoint } from '../checkpoint/serializeCheckpoint.ts';

export class DirCheckpointStore implements CheckpointStore {
  constructor(readonly dir: string) {}

  async save(checkpoint: Checkpoint): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const { json, bin } = serializeCheckpoint(checkpoint);
    const epochBin = `checkpoint-${checkpoint.epoch}.bin`;
    await writeFile(join(this.dir, `${epochBin}.tmp`), bin);
    await rename(join(this.dir, `${epochBin}.tmp`), join(this.dir, epochBin));
    const doc = JSON.stringify({ bin: epochBin, binBytes: bin.byteLength, checkpoint: JSON.parse(json) });
    await writeFile(join(this.dir, 'checkpoint.json.tmp'), doc);
    await rename(join(this.dir, 'checkpoint.json.tmp'), join(this.dir, 'checkpoint.json'));
    await this.removeOlder(epochBin);
  }

  async load(): Promise<Checkpoint | null> {
    let text: string;
    try {
      text = await readFile(join(this.dir, 'checkpoint.json'), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    const doc = JSON.parse(text) as { bin: string; binBytes: number; checkpoint: unknown };
    const bin = new Uint8Array(await readFile(join(this.dir, doc.bin)));
    if (bin.byteLength !== doc.binBytes) {
      throw new Error(`checkpoint: ${doc.bin} expected ${doc.binBytes} bytes, found ${bin.byteLength}; delete ${this.dir} and start without resume`);
    }
    return deserializeCheckpoint(JSON.stringify(doc.checkpoint), bin);
  }

  /** Older epochs' blobs are garbage once checkpoint.json points at the new one. */
  private async removeOlder(keep: string): Promise<void> {
    const { readdir, unlink } = await import('node:fs/promises');
    for (const f of await readdir(this.dir)) {
      if (/^checkpoint-\d+\.bin$/.test(f) && f !== keep) await unlink(join(this.dir, f)).catch(() => undefined);
    }
  }
}
