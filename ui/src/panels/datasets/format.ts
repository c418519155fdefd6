/** Plain-words formatting for the Datasets page. */
import type { EpisodeOutcomeLabel } from '../../data/datasets/DatasetsApi.ts';

export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds - m * 60);
  if (m < 60) return `${m} min ${String(s).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** mm:ss.s for the replay clock. */
export function formatClock(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds - m * 60;
  return `${String(m).padStart(2, '0')}:${s.toFixed(1).padStart(4, '0')}`;
}

export function formatWhen(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toLocaleString(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

export const OUTCOME_TEXT: Record<EpisodeOutcomeLabel | 'none', string> = {
  success: 'Success',
  failure: 'Failure',
  discard: 'Discard',
  none: 'Not labelled',
};
