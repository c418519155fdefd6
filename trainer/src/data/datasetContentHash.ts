// The dataset hash copied into a policy bundle: SHA-256 over the bytes of the
// episodes a policy was trained on, so "which data made this policy" has an
// answer that survives renames, copies and relabels of other episodes.
//
// Covered, per used episode in index order: a line `<stem> <outcome> <bytes>\n`
// (with ` excluded <start>-<end>,…` before the newline when the episode marks
// spans not to learn from, which change the training frames) then every byte
// of `episodes/<stem>.mcap`. Not covered: dataset.json,
// stats.json, the aligned cache, episodes not used. Reads go through the
// dataset's storage seam in 4 MiB pieces (episodes with video can be large).
import { episodeStem } from '@cellkit/datasets/core';
import type { Dataset } from '@cellkit/datasets/core';

export interface IncrementalHash {
  update(bytes: Uint8Array): void;
  /** Lower-case hex digest. */
  digest(): string;
}

export type HashFactory = () => IncrementalHash;

export const HASH_METHOD = 'sha256 over "<episode> <outcome> <bytes>[ excluded <start>-<end>,…]\\n" + MCAP bytes of each used episode, in index order';

const PIECE = 4n << 20n;

export async function datasetContentHash(
  dataset: Dataset, episodes: number[], createHash?: HashFactory,
): Promise<{ hash: string; method: string }> {
  const hasher = (createHash ?? (await nodeSha256()))();
  const encoder = new TextEncoder();
  for (const index of [...new Set(episodes)].sort((a, b) => a - b)) {
    const meta = await dataset.getEpisode(index);
    const readable = await dataset.storage.openReadable(dataset.mcapPath(index));
    try {
      const size = await readable.size();
      const spans = (meta.excluded ?? []).map((s) => `${s.start}-${s.end}`).join(',');
      hasher.update(encoder.encode(`${episodeStem(index)} ${meta.outcome ?? 'unlabeled'} ${size}${spans ? ` excluded ${spans}` : ''}\n`));
      for (let offset = 0n; offset < size; offset += PIECE) {
        const n = size - offset < PIECE ? size - offset : PIECE;
        hasher.update(await readable.read(offset, n));
      }
    } finally {
      await readable.close();
    }
  }
  return { hash: `sha256:${hasher.digest()}`, method: HASH_METHOD };
}

/** node:crypto, imported on demand so browsers that pass their own factory never load it. */
async function nodeSha256(): Promise<HashFactory> {
  const specifier = 'node:crypto';
  const { createHash } = (await import(/* @vite-ignore */ specifier)) as typeof import('node:crypto');
  return () => {
    const h = createHash('sha256');
    return { update: (b) => void h.update(b), digest: () => h.digest('hex') };
  };
}
