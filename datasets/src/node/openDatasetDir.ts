import { join } from 'node:path';

import { MemoryAlignedCache, type AlignedCache } from '../alignedCache.ts';
import { Dataset } from '../Dataset.ts';
import type { DatasetInfo } from '../datasetTypes.ts';
import { FileAlignedCache } from './FileAlignedCache.ts';
import { NodeDatasetStorage } from './NodeDatasetStorage.ts';
import type { FileWritableOptions } from './FileWritable.ts';

export type DatasetDirOptions = {
  /**
   * Aligned-episode cache: 'file' (default) keeps binary files in
   * `<dir>/episodes/.cache/` across processes, 'memory' an LRU in this process.
   */
  cache?: 'file' | 'memory' | 'none' | AlignedCache;
  writable?: FileWritableOptions;
  /** Repair episodes left `recording` (default true). */
  recover?: boolean;
};

function cacheFor(dir: string, cache: DatasetDirOptions['cache']): AlignedCache | undefined {
  if (cache === 'none') return undefined;
  if (cache === 'memory') return new MemoryAlignedCache();
  if (cache === undefined || cache === 'file') return new FileAlignedCache({ dir: join(dir, 'episodes', '.cache') });
  return cache;
}

/** Opens the dataset folder at `dir` (recovering crashed episodes). */
export function openDatasetDir(dir: string, options: DatasetDirOptions = {}): Promise<Dataset> {
  return Dataset.open({
    storage: new NodeDatasetStorage({ root: dir, writable: options.writable }),
    cache: cacheFor(dir, options.cache),
    recover: options.recover,
  });
}

/** Creates a dataset folder at `dir` (which may exist but must not hold a dataset). */
export async function createDatasetDir(
  dir: string,
  info: Omit<DatasetInfo, 'schemaVersion' | 'createdAt'>,
  options: DatasetDirOptions = {},
): Promise<Dataset> {
  const storage = new NodeDatasetStorage({ root: dir, writable: options.writable });
  await storage.mkdir('');
  return Dataset.create({ storage, cache: cacheFor(dir, options.cache), info });
}
