export { FileWritable } from './FileWritable.ts';
export type { FileWritableOptions } from './FileWritable.ts';
export { FileReadable } from './FileReadable.ts';
export { NodeDatasetStorage, writeFileAtomic } from './NodeDatasetStorage.ts';
export { FileAlignedCache } from './FileAlignedCache.ts';
export { recoverEpisode } from './recoverEpisode.ts';
export { createDatasetDir, openDatasetDir } from './openDatasetDir.ts';
export type { DatasetDirOptions } from './openDatasetDir.ts';
