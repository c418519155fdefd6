import { access } from 'node:fs/promises';
import { join } from 'node:path';

import { createDatasetDir, openDatasetDir, type Dataset, type DatasetDirOptions } from '@cellkit/datasets';

import { Recorder, type NewDatasetInit, type RecorderOptions } from '../Recorder.ts';

/** Opens the dataset folder at `path`, or creates it with `init` when it has no dataset.json. */
export async function openOrCreateDataset(path: string, init: NewDatasetInit, options: DatasetDirOptions = {}): Promise<Dataset> {
  try {
    await access(join(path, 'dataset.json'));
  } catch {
    return createDatasetDir(path, init, options);
  }
  return openDatasetDir(path, options);
}

/** A Recorder that opens or creates dataset folders by path on the local disk. */
export function createRecorder(options: RecorderOptions): Recorder {
  return new Recorder({ openDataset: (path, init) => openOrCreateDataset(path, init), ...options });
}
