/**
 * An episode's quality report (written by the recorder, free-form JSON in
 * the episode's metadata) turned into short plain-words badges an operator
 * understands: "wrist camera dropped frames", not "camera/wrist: 24.1 Hz,
 * under 90% of nominal 30 Hz". The numbers stay in the tip.
 */
import type { EpisodeMeta } from '@cellkit/datasets';
import type { EpisodeBadge } from './datasetApi.ts';

type StreamQuality = { count?: number; drops?: number; missing?: number; flag?: string };
type QualityLike = { streams?: Record<string, StreamQuality>; flags?: string[]; unsent?: number; problems?: { severity?: string; code?: string; message?: string; tip?: string }[] };

/** `camera/wrist` → "wrist camera", `joints` → "joint data". */
export function streamLabel(stream: string): string {
  if (stream.startsWith('camera/')) return `${stream.slice('camera/'.length)} camera`;
  const known: Record<string, string> = { joints: 'joint data', wrench: 'force sensor', action: 'robot commands', status: 'safety status', events: 'event log' };
  return known[stream] ?? stream;
}

function streamBadge(stream: string, q: StreamQuality): EpisodeBadge {
  const label = streamLabel(stream);
  const isCamera = stream.startsWith('camera/');
  if (!q.count) {
    return {
      code: `missing:${stream}`,
      text: `${label} recorded nothing`,
      severity: 'error',
      tip: `${q.flag ?? `${stream}: no messages`}. Check that the ${label} is connected before recording; this episode is not usable for training without it.`,
    };
  }
  return {
    code: `dropped:${stream}`,
    text: `${label} dropped ${isCamera ? 'frames' : 'samples'}`,
    severity: 'warning',
    tip: `${q.flag ?? stream}${q.missing ? ` (about ${q.missing} missing)` : ''}. Replay the episode to check the gaps; mark it discard if it looks wrong.`,
  };
}

export function episodeBadges(meta: EpisodeMeta): EpisodeBadge[] {
  const badges: EpisodeBadge[] = [];
  if (meta.status === 'recording') {
    badges.push({ code: 'recording', text: 'still recording', severity: 'info', tip: 'Replay, relabel and delete become available when the recording stops.' });
  }
  if (meta.status === 'recovered') {
    const lost = meta.recovery?.lostBytes ?? 0;
    badges.push({
      code: 'recovered',
      text: 'rebuilt after a crash',
      severity: 'warning',
      tip: `The recording process stopped unexpectedly (${meta.recovery?.reason ?? 'unknown reason'}); the episode was rebuilt${lost > 0 ? ` and its last ${lost} bytes lost` : ''}. Replay it to check the end.`,
    });
  }
  if (meta.excluded?.length) {
    const seconds = meta.excluded.reduce((s, e) => s + (e.end - e.start), 0);
    const reasons = [...new Set(meta.excluded.map((e) => e.reason))].join('; ');
    badges.push({
      code: 'excluded',
      text: `${seconds.toFixed(1)} s left out of training`,
      severity: 'info',
      tip: `Marked not to learn from: ${reasons}. The recording keeps every stream; training skips the frames in ${meta.excluded.length === 1 ? 'that span' : `those ${meta.excluded.length} spans`}.`,
    });
  }
  const quality = meta.quality as QualityLike | undefined;
  const flagged = new Set<string>();
  for (const [stream, q] of Object.entries(quality?.streams ?? {})) {
    if (!q.flag) continue;
    flagged.add(stream);
    badges.push(streamBadge(stream, q));
  }
  // Older reports may carry only the flag lines.
  if (flagged.size === 0) {
    for (const line of quality?.flags ?? []) {
      const stream = line.split(':')[0] ?? line;
      badges.push(streamBadge(stream, { count: line.includes('no messages') ? 0 : 1, flag: line }));
    }
  }
  if ((quality?.unsent ?? 0) > 0) {
    badges.push({
      code: 'unsent',
      text: 'some data not saved',
      severity: 'warning',
      tip: `${quality!.unsent} messages could not be written (the disk was behind). Check free space; replay to see whether the gap matters.`,
    });
  }
  for (const p of quality?.problems ?? []) {
    if (p.code === 'disk_lag') continue; // transient; shows up as unsent if it cost data
    badges.push({
      code: `problem:${p.code ?? 'unknown'}`,
      text: p.message ?? 'recorder problem',
      severity: p.severity === 'error' ? 'error' : 'warning',
      tip: p.tip ?? 'Replay the episode to check it.',
    });
  }
  return badges;
}
