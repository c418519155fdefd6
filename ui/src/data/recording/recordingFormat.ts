/**
 * The recorder's live state in plain words for the Record page: dataset
 * name checks, stream names a person recognises, and what to do when a
 * stream falls behind. Pure functions (unit-tested in node).
 */
import { DATASET_NAME_PATTERN, type RecordingMessage, type RecordingStreamQuality } from '@cellkit/bridge/protocol';

/** Why `name` cannot be a dataset name, in words; undefined when it can. */
export function datasetNameProblem(name: string): string | undefined {
  if (name === '') return 'Type a name for the dataset, or pick one above.';
  if (DATASET_NAME_PATTERN.test(name)) return undefined;
  if (name.length > 64) return `Too long: at most 64 characters (this one has ${name.length}).`;
  if (/[A-Z]/.test(name)) return 'Use small letters only (a–z), for example "pick_cube".';
  if (/\s/.test(name)) return 'No spaces: use _ or - between words, for example "pick_cube".';
  if (!/^[a-z0-9]/.test(name)) return 'Start with a letter or a digit.';
  return 'Use only small letters, digits, _ and -, for example "pick_cube".';
}

/** A suggestion for a typed name: lower case, spaces and other characters as `_`. */
export function suggestDatasetName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '_')
    .replace(/^[_-]+/, '')
    .slice(0, 64);
}

/** A stream's name for a person: `camera/wrist` → "Wrist camera". */
export function streamLabel(stream: string): string {
  if (stream.startsWith('camera/')) {
    const cam = stream.slice('camera/'.length);
    return `${cam.charAt(0).toUpperCase()}${cam.slice(1)} camera`;
  }
  const known: Record<string, string> = {
    joints: 'Joint positions',
    wrench: 'Force sensor',
    action: 'Robot commands',
    status: 'Robot status',
    events: 'Safety events',
    speed_scaling: 'Speed slider',
  };
  return known[stream] ?? stream;
}

/** What to check when a stream falls behind. */
function tipFor(stream: string): string {
  if (stream.startsWith('camera/')) return 'check the cable / lower the camera resolution';
  if (stream === 'joints' || stream === 'wrench') return 'check the network cable to the robot controller';
  if (stream === 'action') return 'the bridge computer may be overloaded: close other programs';
  return 'check the connection to the cell';
}

/**
 * Under this fraction of nominal, a stream not (yet) flagged by the recorder
 * is shown as "a little slow": a rate a few percent short means frames are
 * going missing even before a gap is long enough to count as a drop.
 */
export const SLOW_FRACTION = 0.97;

export type StreamHealth = 'ok' | 'slow' | 'behind' | 'missing' | 'starting' | 'unrated';

export interface StreamRow {
  stream: string;
  label: string;
  /** Hz, rounded for display; null before two messages. */
  rate: number | null;
  nominal: number | null;
  count: number;
  /** Gaps over two nominal periods so far. */
  drops: number;
  /** ms, the largest |stamp − latest joint-state stamp|; null for the joints themselves or before data. */
  skewMs: number | null;
  health: StreamHealth;
  /** Plain-words warning when the stream is behind or missing. */
  warning?: string;
}

/** Display order: cameras first (what operators can fix), then robot streams. */
const ORDER = ['camera/', 'joints', 'wrench', 'action', 'status', 'events'];
function rank(stream: string): number {
  const i = ORDER.findIndex((p) => (p.endsWith('/') ? stream.startsWith(p) : stream === p));
  return i < 0 ? ORDER.length : i;
}

/**
 * s. The recorder reports every expected stream from the first instant, with
 * nothing received yet and rates from a handful of samples: no warnings
 * before this much of the episode has passed.
 */
export const WARMUP_SECONDS = 2;

export function streamRow(stream: string, q: RecordingStreamQuality, elapsed = Infinity): StreamRow {
  const label = streamLabel(stream);
  const row: StreamRow = {
    stream,
    label,
    rate: q.rate,
    nominal: q.nominal,
    count: q.count,
    drops: q.drops ?? 0,
    skewMs: q.skew ? q.skew.maxAbs * 1000 : null,
    health: 'ok',
  };
  if (q.nominal === null) row.health = 'unrated';
  else if (elapsed < WARMUP_SECONDS) row.health = 'starting';
  else if (q.count === 0) row.health = 'missing';
  else if (q.rate === null) row.health = 'starting';
  else if (q.flag) row.health = 'behind';
  else if (q.rate < SLOW_FRACTION * q.nominal || row.drops > 0) row.health = 'slow';
  if (row.health === 'missing') row.warning = `${label} sends nothing — ${tipFor(stream)}`;
  if (row.health === 'behind') {
    const verb = stream.startsWith('camera/') ? 'is dropping frames' : 'is falling behind';
    row.warning = `${label} ${verb} — ${tipFor(stream)}`;
  }
  return row;
}

/** Every stream of the live quality report, in display order. */
export function streamRows(msg: RecordingMessage | null): StreamRow[] {
  const streams = msg?.quality?.streams;
  if (!streams) return [];
  return Object.entries(streams)
    .map(([name, q]) => streamRow(name, q, msg?.elapsed ?? Infinity))
    .sort((a, b) => rank(a.stream) - rank(b.stream) || a.stream.localeCompare(b.stream));
}

/** `m:ss` (or `h:mm:ss`) for an elapsed time in seconds. */
export function formatElapsed(seconds: number | undefined): string {
  const s = Math.max(0, Math.floor(seconds ?? 0));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** "29.8 of 30 /s" style rate text. */
export function formatRate(rate: number | null, nominal: number | null): string {
  const r = rate === null ? '—' : rate >= 100 ? rate.toFixed(0) : rate.toFixed(1);
  return nominal === null ? `${r} /s` : `${r} of ${nominal} /s`;
}

export const OUTCOME_WORDS: Record<'success' | 'failure' | 'discard', string> = { success: 'Success', failure: 'Failure', discard: 'Discarded' };

/** The line shown after an episode closed. */
export function lastEpisodeText(last: NonNullable<RecordingMessage['last']>): string {
  const what = `Episode ${last.episode} of ${last.dataset}`;
  if (last.error) return `${what} stopped by a fault: ${last.error}`;
  const outcome = last.outcome ? OUTCOME_WORDS[last.outcome] : 'no outcome';
  const dur = last.duration === null ? '' : `, ${last.duration.toFixed(1)} s`;
  return `${what} saved as ${outcome}${dur}.`;
}
