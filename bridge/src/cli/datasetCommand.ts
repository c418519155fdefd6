import { parseArgs } from 'node:util';

import { createDatasetDir, openDatasetDir, validateDataset, type Dataset, type EpisodeMeta } from '@cellkit/datasets';

// LeRobot export/import live in @cellkit/datasets (src/lerobot); imported by
// path until the package exports its `./lerobot` subpath.
import { exportLerobotDir, importLerobotDir, type LerobotProgress } from '@cellkit/datasets/lerobot';
import { UsageError, type Command } from './Command.ts';

const usage = `Usage: cellkit dataset <action> <path> [options]

Actions:
  info <path>                      name, robot, features, tasks and every episode
  validate <path>                  check files, CRCs, stamps and metadata (exit 1 on errors)
  stats <path> [--fps 30]          compute stats.json over usable episodes
  rm <path> <episode>...           move episodes to <path>/.trash (nothing is deleted)
  relabel <path> <episode> [--task T] [--outcome success|failure|discard] [--notes N] [--operator O]
                   [--exclude FROM-TO:REASON]... [--keep-all]
                                   --exclude leaves seconds FROM–TO of the episode (from its first
                                   sample, as the datasets page's replay counts) out of training, e.g.
                                   --exclude 2.5-4.1:'slipped, corrected by hand'; repeatable, replaces
                                   the episode's spans. --keep-all removes them all. Nothing recorded changes.
  split <path> [--val 0.2] [--seed 0]
                                   train/val split by episode, written to <path>/splits.json
  merge <a> <b> --out <dir>        a new dataset with the episodes of both (same features)
  export <path> --out <dir> [--format lerobot] [--fps 30] [--images video|inline] [--episodes 0,2,5]
                                   LeRobot v3.0 (videos need ffmpeg; --images inline does not)
  import <lerobot-dir> --out <dir> [--format lerobot]
                                   a LeRobot v3.0 dataset as a new cellkit dataset

Episodes marked discard, or still recording, are left out of stats, split and export.`;

const options = {
  fps: { type: 'string' },
  out: { type: 'string' },
  format: { type: 'string', default: 'lerobot' },
  images: { type: 'string', default: 'video' },
  episodes: { type: 'string' },
  task: { type: 'string' },
  outcome: { type: 'string' },
  notes: { type: 'string' },
  operator: { type: 'string' },
  exclude: { type: 'string', multiple: true },
  'keep-all': { type: 'boolean' },
  val: { type: 'string', default: '0.2' },
  seed: { type: 'string', default: '0' },
} as const;

type Values = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
}

const ACTIONS: Record<string, (paths: string[], values: Values) => Promise<number>> = { info, validate, stats, rm, relabel, split, merge, export: exportAction, import: importAction };

export const datasetCommand: Command = {
  name: 'dataset',
  summary: 'inspect, validate, curate, split, merge and export/import (LeRobot v3.0) datasets',
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv);
    const [action, ...paths] = positionals;
    if (!action) throw new UsageError('expected an action');
    const run = ACTIONS[action];
    if (!run) throw new UsageError(`unknown action '${action}', expected one of ${Object.keys(ACTIONS).join(', ')}`);
    if (paths.length === 0) throw new UsageError(`${action} expects a dataset path`);
    return run(paths, values);
  },
};

/** Read-only tools never repair: a crashed episode stays visible as `recording`. */
const openReadOnly = (path: string): Promise<Dataset> => openDatasetDir(path, { recover: false, cache: 'none' });

const usable = (m: EpisodeMeta): boolean => m.status !== 'recording' && m.outcome !== 'discard';

function number(name: string, text: string | undefined, fallback: number, check: (n: number) => boolean, expected: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || !check(n)) throw new UsageError(`--${name} expects ${expected}, got '${text}'`);
  return n;
}

function episodeIndexes(texts: string[]): number[] {
  return texts.map((t) => {
    const n = Number(t);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`expected an episode index (0, 1, ...), got '${t}'`);
    return n;
  });
}

async function info([path]: string[]): Promise<number> {
  const dataset = await openReadOnly(path!);
  const i = dataset.info;
  const episodes = await dataset.listEpisodes();
  console.log(`${i.name}  robot ${i.robot}  schema v${i.schemaVersion}  ${episodes.length} episode(s)`);
  console.log(`tasks: ${i.tasks.map((t) => JSON.stringify(t)).join(', ') || '(none)'}`);
  console.log('features:');
  for (const f of i.features) console.log(`  ${f.name}  ${f.dtype}[${f.shape.join('×')}]${f.names ? `  ${f.names.join(', ')}` : ''}`);
  console.log('episodes:');
  for (const m of episodes) {
    const duration = m.endTime != null ? `${(m.endTime - m.startTime).toFixed(1)} s` : '—';
    const messages = Object.values(m.messageCounts ?? {}).reduce((a, b) => a + b, 0);
    const flags = (m.quality as { flags?: string[] } | undefined)?.flags ?? [];
    console.log(`  ${String(m.index).padStart(6)}  ${m.status.padEnd(9)}  ${(m.outcome ?? '—').padEnd(7)}  ${duration.padStart(8)}  ${String(messages).padStart(7)} msgs  ${JSON.stringify(m.task)}${flags.length ? `  ⚠ ${flags.join('; ')}` : ''}`);
  }
  return 0;
}

async function validate([path]: string[]): Promise<number> {
  const dataset = await openReadOnly(path!);
  const problems = await validateDataset(dataset);
  for (const p of problems) {
    console.log(`${p.severity.padEnd(7)} ${p.episode !== undefined ? `episode ${p.episode}: ` : ''}${p.message}\n        → ${p.tip}`);
  }
  const errors = problems.filter((p) => p.severity === 'error').length;
  console.log(errors === 0 ? `ok: ${problems.length} note(s), no errors` : `${errors} error(s)`);
  return errors === 0 ? 0 : 1;
}

async function stats([path]: string[], values: Values): Promise<number> {
  const fps = number('fps', values.fps, 30, (n) => n > 0, 'a positive rate in Hz');
  const dataset = await openDatasetDir(path!, { cache: 'file' });
  const s = await dataset.computeStats({ rate: fps });
  console.log(`stats.json: ${s.frames} frames at ${fps} Hz from episodes [${s.episodes.join(', ')}]`);
  for (const [name, f] of Object.entries(s.features)) {
    console.log(`  ${name}  mean [${f.mean.map((v) => v.toFixed(3)).join(', ')}]  std [${f.std.map((v) => v.toFixed(3)).join(', ')}]`);
  }
  return 0;
}

async function rm([path, ...rest]: string[]): Promise<number> {
  if (rest.length === 0) throw new UsageError('rm expects at least one episode index after the path');
  const dataset = await openDatasetDir(path!, { cache: 'none' });
  for (const index of episodeIndexes(rest)) console.log(`episode ${index} → ${await dataset.remove(index)}`);
  return 0;
}

async function relabel([path, episode, ...extra]: string[], values: Values): Promise<number> {
  if (episode === undefined || extra.length > 0) throw new UsageError('relabel expects exactly one episode index after the path');
  const [index] = episodeIndexes([episode]);
  const patch: Parameters<Dataset['relabel']>[1] = {};
  if (values.task !== undefined) patch.task = values.task;
  if (values.notes !== undefined) patch.notes = values.notes;
  if (values.operator !== undefined) patch.operator = values.operator;
  if (values.outcome !== undefined) {
    if (!['success', 'failure', 'discard'].includes(values.outcome)) throw new UsageError(`--outcome expects success, failure or discard, got '${values.outcome}'`);
    patch.outcome = values.outcome as 'success' | 'failure' | 'discard';
  }
  const spans = (values.exclude ?? []).map(parseSpan);
  if (spans.length > 0 && values['keep-all']) throw new UsageError('--exclude and --keep-all contradict each other: give spans to leave out, or --keep-all to leave nothing out');
  if (values['keep-all']) patch.excluded = [];
  if (Object.keys(patch).length === 0 && spans.length === 0) throw new UsageError('relabel expects at least one of --task, --outcome, --notes, --operator, --exclude, --keep-all');
  const dataset = await openDatasetDir(path!, { cache: 'none' });
  let start = 0;
  if (spans.length > 0) {
    // Spans are kept on the streams' clock (message stamps); people count from the episode's first sample.
    const aligned = await dataset.readAligned(index!, { rate: 10, cameras: [] });
    if (aligned.length === 0) throw new Error(`episode ${index} has no samples to count the spans from; nothing was changed`);
    start = aligned.timestamps[0]!;
    const length = aligned.timestamps[aligned.length - 1]! - start;
    for (const s of spans) {
      if (s.from > length) throw new UsageError(`--exclude ${s.text}: the episode's samples end at ${length.toFixed(2)} s; expected a span that starts within 0–${length.toFixed(2)} s`);
    }
    patch.excluded = spans.map((s) => ({ start: start + s.from, end: start + s.to, reason: s.reason }));
  }
  const meta = await dataset.relabel(index!, patch);
  if (patch.task !== undefined && !dataset.info.tasks.includes(patch.task)) await dataset.updateInfo({ tasks: [...dataset.info.tasks, patch.task] });
  console.log(`episode ${meta.index}: task ${JSON.stringify(meta.task)}, outcome ${meta.outcome}, operator ${JSON.stringify(meta.operator)}`);
  if (patch.excluded !== undefined) {
    const left = meta.excluded ?? [];
    console.log(left.length === 0
      ? `episode ${meta.index}: nothing left out of training`
      : `episode ${meta.index}: left out of training ${left.map((e) => `${(e.start - start).toFixed(2)}–${(e.end - start).toFixed(2)} s (${e.reason})`).join(', ')}`);
  }
  return 0;
}

/** `FROM-TO:REASON`, seconds from the episode's first sample. */
function parseSpan(text: string): { from: number; to: number; reason: string; text: string } {
  const m = /^\s*(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\s*:(.+)$/s.exec(text);
  const from = m ? Number(m[1]) : NaN;
  const to = m ? Number(m[2]) : NaN;
  const reason = m ? m[3]!.trim() : '';
  if (!m || !(from <= to) || reason.length === 0) {
    throw new UsageError(`--exclude expects FROM-TO:REASON in seconds from the episode's first sample, FROM ≤ TO, e.g. 2.5-4.1:slipped; got '${text}'`);
  }
  return { from, to, reason, text };
}

/**
 * Deterministic split by episode: a seeded shuffle of the usable episodes,
 * the first ⌈val·n⌉ for validation. Written to `splits.json` beside
 * dataset.json (the dataset itself is not changed).
 */
async function split([path]: string[], values: Values): Promise<number> {
  const val = number('val', values.val, 0.2, (n) => n >= 0 && n < 1, 'a fraction in [0, 1)');
  const seed = number('seed', values.seed, 0, Number.isInteger, 'an integer');
  const dataset = await openDatasetDir(path!, { cache: 'none' });
  const episodes = (await dataset.listEpisodes()).filter(usable).map((m) => m.index);
  const random = mulberry32(seed);
  for (let i = episodes.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [episodes[i], episodes[j]] = [episodes[j]!, episodes[i]!];
  }
  const nVal = Math.ceil(val * episodes.length);
  const splits = { seed, val, train: episodes.slice(nVal).sort((a, b) => a - b), validation: episodes.slice(0, nVal).sort((a, b) => a - b) };
  await dataset.storage.writeTextAtomic('splits.json', `${JSON.stringify(splits, null, 2)}\n`);
  console.log(`splits.json: train [${splits.train.join(', ')}], validation [${splits.validation.join(', ')}]`);
  return 0;
}

async function merge([a, b, ...extra]: string[], values: Values): Promise<number> {
  if (b === undefined || extra.length > 0) throw new UsageError('merge expects two dataset paths');
  if (!values.out) throw new UsageError('merge expects --out <dir> for the new dataset');
  const [first, second] = [await openReadOnly(a!), await openReadOnly(b)];
  const shape = (d: Dataset) => JSON.stringify(d.info.features.map((f) => [f.name, f.dtype, f.shape, f.names ?? null]));
  if (shape(first) !== shape(second)) {
    throw new Error(`Cannot merge: features differ. ${a}: ${shape(first)}; ${b}: ${shape(second)}. Merge only datasets recorded with the same cell setup.`);
  }
  const tasks = [...new Set([...first.info.tasks, ...second.info.tasks])];
  const out = await createDatasetDir(values.out, { name: values.out.split(/[\\/]/).filter(Boolean).pop()!, robot: first.info.robot, features: first.info.features, tasks }, { cache: 'none' });
  let index = 0;
  for (const source of [first, second]) {
    for (const meta of await source.listEpisodes()) {
      if (meta.status === 'recording') {
        console.error(`skipping ${source.info.name} episode ${meta.index}: still recording (open that dataset to recover it first)`);
        continue;
      }
      await copyEpisode(source, meta, out, index);
      console.log(`${source.info.name} episode ${meta.index} → ${index}`);
      index += 1;
    }
  }
  console.log(`${values.out}: ${index} episode(s)`);
  return 0;
}

/** Byte-exact copy of an episode MCAP, then its metadata (renumbered): a crash leaves no metadata pointing at a partial file. */
async function copyEpisode(source: Dataset, meta: EpisodeMeta, target: Dataset, index: number): Promise<void> {
  const readable = await source.storage.openReadable(source.mcapPath(meta.index));
  const writable = await target.storage.createWritable(target.mcapPath(index));
  try {
    const size = await readable.size();
    const block = 4n * 1024n * 1024n;
    for (let offset = 0n; offset < size; offset += block) {
      await writable.write(await readable.read(offset, size - offset < block ? size - offset : block));
    }
    await writable.flush?.({ force: true });
  } finally {
    await writable.close();
    await readable.close();
  }
  await target.writeEpisodeMeta({ ...meta, index });
}

async function exportAction([path, ...extra]: string[], values: Values): Promise<number> {
  if (extra.length > 0) throw new UsageError(`export expects one dataset path, got ${extra.length + 1}`);
  if (values.format !== 'lerobot') throw new UsageError(`--format expects lerobot, got '${values.format}'`);
  if (!values.out) throw new UsageError('export expects --out <dir>');
  if (values.images !== 'video' && values.images !== 'inline') throw new UsageError(`--images expects video or inline, got '${values.images}'`);
  const fps = number('fps', values.fps, 30, (n) => n > 0, 'a positive rate in Hz');
  const episodes = values.episodes === undefined ? undefined : episodeIndexes(values.episodes.split(',').filter(Boolean));
  const dataset = await openDatasetDir(path!, { cache: 'none', recover: false });
  const result = await exportLerobotDir({ dataset, out: values.out, fps, images: values.images, episodes, onProgress: progressBar('export') });
  process.stderr.write('\n');
  for (const s of result.skipped) console.error(`skipped episode ${s.index}: ${s.reason}`);
  console.log(`${values.out}: LeRobot v3.0, ${result.info.total_episodes} episode(s), ${result.frames} frames at ${fps} fps (cellkit episodes [${result.episodes.join(', ')}])`);
  return 0;
}

async function importAction([path, ...extra]: string[], values: Values): Promise<number> {
  if (extra.length > 0) throw new UsageError(`import expects one LeRobot dataset path, got ${extra.length + 1}`);
  if (values.format !== 'lerobot') throw new UsageError(`--format expects lerobot, got '${values.format}'`);
  if (!values.out) throw new UsageError('import expects --out <dir> for the new cellkit dataset');
  const result = await importLerobotDir({ from: path!, to: values.out, onProgress: progressBar('import') });
  process.stderr.write('\n');
  console.log(`${values.out}: ${result.episodes} episode(s), ${result.frames} frames`);
  return 0;
}

/** A one-line progress bar on stderr (stdout stays clean for scripts). */
function progressBar(label: string): (p: LerobotProgress) => void {
  return (p) => {
    const width = 30;
    const filled = p.total > 0 ? Math.round((p.done / p.total) * width) : width;
    process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total} episodes, ${p.frames} frames (${p.phase})`);
  };
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
