/**
 * The policies folder as the Train page's history: one entry per policy
 * folder — a finished bundle (policy.json), or a run that stopped before the
 * end (checkpoints/run.json only). Reads JSON files only: no model is loaded.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { PolicyEval, PolicySummary, TrainingProblem } from './trainingApi.ts';
import { readCheckpointHistory } from './TrainingJobs.ts';

/** Policy folder names (what `policy.start` and `POST /api/training` take; the policy runner's rule). */
export const POLICY_FOLDER_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$';
export const POLICY_FOLDER_RE = new RegExp(POLICY_FOLDER_PATTERN);

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

interface Manifest {
  policy?: string;
  rate?: number;
  dataset?: { id?: string | null };
  createdAt?: string;
  training?: {
    epochs?: number;
    bestValLoss?: number | null;
    trainLoss?: number[];
  };
}

/** metrics.json (written beside the bundle by the trainer): what the data turned into. */
interface Metrics {
  data?: { episodesSelected?: number[]; segments?: { episode: number }[] };
}

function evalOf(doc: unknown): PolicyEval | null {
  const e = doc as Partial<Record<keyof PolicyEval, unknown>> | undefined;
  if (!e || typeof e.successRate !== 'number' || typeof e.episodes !== 'number') return null;
  const i = Array.isArray(e.interval95) ? e.interval95 : [];
  return {
    task: typeof e.task === 'string' ? e.task : '',
    episodes: e.episodes,
    successes: typeof e.successes === 'number' ? e.successes : Math.round(e.successRate * e.episodes),
    successRate: e.successRate,
    interval95: [num(i[0]) ?? 0, num(i[1]) ?? 1],
    meanTimeToSuccess: num(e.meanTimeToSuccess),
    createdAt: typeof e.createdAt === 'string' ? e.createdAt : null,
  };
}

async function summaryOf(dir: string, name: string, training: boolean): Promise<PolicySummary | null> {
  const manifest = (await readJson(join(dir, 'policy.json'))) as Manifest | undefined;
  if (manifest && !training) {
    const t = manifest.training ?? {};
    const data = ((await readJson(join(dir, 'metrics.json'))) as Metrics | undefined)?.data;
    const episodes = [...new Set((data?.segments ?? []).map((s) => s.episode))];
    return {
      name,
      status: 'ready',
      policy: manifest.policy ?? 'unknown',
      dataset: manifest.dataset?.id ?? null,
      episodes: episodes.length > 0 ? episodes : (data?.episodesSelected ?? []),
      rate: num(manifest.rate),
      epochs: num(t.epochs) ?? 0,
      createdAt: manifest.createdAt ? Date.parse(manifest.createdAt) / 1000 : (await stat(join(dir, 'policy.json'))).mtimeMs / 1000,
      bestValLoss: num(t.bestValLoss),
      finalTrainLoss: num(t.trainLoss?.[t.trainLoss.length - 1]),
      eval: evalOf(await readJson(join(dir, 'eval.json'))),
    };
  }
  const run = (await readJson(join(dir, 'checkpoints', 'run.json'))) as { settings?: { policy?: string; rate?: number; epochs?: number } } | undefined;
  if (!run) return null;
  const started = (await readJson(join(dir, 'training.json'))) as { dataset?: string } | undefined;
  const history = await readCheckpointHistory(join(dir, 'checkpoints'));
  const vals = (history?.valLoss ?? []).filter((v): v is number => v !== null);
  return {
    name,
    status: training ? 'training' : 'stopped',
    policy: run.settings?.policy ?? 'unknown',
    dataset: typeof started?.dataset === 'string' ? started.dataset : null,
    episodes: [],
    rate: num(run.settings?.rate),
    epochs: history?.trainLoss.length ?? 0,
    createdAt: (await stat(join(dir, 'checkpoints', 'run.json'))).mtimeMs / 1000,
    bestValLoss: vals.length > 0 ? Math.min(...vals) : null,
    finalTrainLoss: num(history?.trainLoss[history.trainLoss.length - 1]),
    eval: null,
  };
}

/** Newest first. `training` names the folder a run is writing now. */
export async function listPolicies(dir: string, training: string | null): Promise<{ policies: PolicySummary[]; problems: TrainingProblem[] }> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory() && POLICY_FOLDER_RE.test(d.name)).map((d) => d.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { policies: [], problems: [] };
    throw error;
  }
  const policies: PolicySummary[] = [];
  const problems: TrainingProblem[] = [];
  for (const name of names) {
    try {
      const s = await summaryOf(join(dir, name), name, name === training);
      if (s) policies.push(s);
    } catch (error) {
      problems.push({ severity: 'warning', message: `Policy ${name} could not be read: ${(error as Error).message}`, tip: `Train it again, or move the folder out of ${dir}.` });
    }
  }
  policies.sort((a, b) => b.createdAt - a.createdAt);
  return { policies, problems };
}
