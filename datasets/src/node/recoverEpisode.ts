import { basename, dirname } from 'node:path';

import type { EpisodeMeta } from '../datasetTypes.ts';
import { recoverEpisodeFile, type EpisodeRecoveryReport } from '../recoverEpisodeFile.ts';
import { applyRecovery } from '../Dataset.ts';
import { NodeDatasetStorage } from './NodeDatasetStorage.ts';

/**
 * Repairs one episode MCAP whose writer died (see recoverEpisodeFile), and, if
 * its `NNNNNN.json` sits next to it, marks that episode `recovered` (atomic
 * write). The original file is kept as `NNNNNN.mcap.crashed`.
 */
export async function recoverEpisode(path: string): Promise<EpisodeRecoveryReport> {
  const storage = new NodeDatasetStorage({ root: dirname(path) });
  const name = basename(path);
  const report = await recoverEpisodeFile(storage, name);
  const metaName = name.replace(/\.mcap$/, '.json');
  const text = metaName !== name ? await storage.readText(metaName) : undefined;
  if (text != undefined) {
    const meta = applyRecovery(JSON.parse(text) as EpisodeMeta, report);
    await storage.writeTextAtomic(metaName, `${JSON.stringify(meta, null, 2)}\n`);
  }
  return report;
}
