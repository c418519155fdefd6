import { baseOf, dirOf, type DatasetStorage } from './DatasetStorage.ts';
import { recoverMcap, type McapRecoveryReport } from './recoverMcap.ts';

export type EpisodeRecoveryReport = McapRecoveryReport & {
  /** Where the original file was moved (relative to the storage root); unset when it was complete. */
  originalPath?: string;
};

/**
 * Repairs the episode MCAP at `path` in place: the repaired copy is written
 * next to it as `<name>.recovering`, the original is moved aside to
 * `<name>.crashed` (never deleted: it is the only raw record of what happened),
 * and the copy takes the original name. Each step is a rename, so a crash
 * during recovery leaves the original untouched or already moved aside.
 */
export async function recoverEpisodeFile(
  storage: DatasetStorage,
  path: string,
): Promise<EpisodeRecoveryReport> {
  const scratch = `${path}.recovering`;
  if (await storage.exists(scratch)) {
    // Left by a recovery that died; it is our own partial output.
    await storage.removeScratch(scratch);
  }
  const readable = await storage.openReadable(path);
  const writable = await storage.createWritable(scratch);
  let report: McapRecoveryReport;
  try {
    report = await recoverMcap({ readable, writable });
  } finally {
    await readable.close();
    await writable.close();
  }
  if (report.alreadyComplete) {
    await storage.removeScratch(scratch);
    return report;
  }
  const taken = new Set(await storage.list(dirOf(path)));
  let originalPath = `${path}.crashed`;
  for (let n = 1; taken.has(baseOf(originalPath)); n++) originalPath = `${path}.crashed.${n}`;
  await storage.move(path, originalPath);
  await storage.move(scratch, path);
  return { ...report, originalPath };
}
