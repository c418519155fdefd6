/** Plain-words text for the Train page. */
import type { PolicyEval, PolicyType } from '../../data/training/TrainingApi.ts';

export const POLICY_TEXT: Record<PolicyType, { title: string; short: string; what: string }> = {
  mlp: {
    title: 'Simple (joints only)',
    short: 'Simple',
    what: 'Learns from the arm’s joint positions and the gripper. Fast to train; good for reaching and moves where things are always in the same place.',
  },
  chunk: {
    title: 'Vision (cameras + joints)',
    short: 'Vision',
    what: 'Also learns from the camera images, so it can follow objects that move. Slower to train; plans a few steps at a time for smoother motion.',
  },
};

export const policyShort = (policy: string): string => (policy in POLICY_TEXT ? POLICY_TEXT[policy as PolicyType].short : policy);

/** Losses span decades; 3 significant digits, exponent when tiny. */
export function formatLoss(loss: number | null | undefined): string {
  if (loss === null || loss === undefined || !Number.isFinite(loss)) return '—';
  if (loss !== 0 && Math.abs(loss) < 1e-3) return loss.toExponential(2);
  return loss.toPrecision(3);
}

export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return 'working out the time left…';
  if (seconds < 1) return 'almost done';
  if (seconds < 60) return `about ${Math.ceil(seconds)} s left`;
  const m = Math.round(seconds / 60);
  if (m < 60) return `about ${m} min left`;
  return `about ${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min left`;
}

export function formatRate(samplesPerSec: number | null): string {
  if (samplesPerSec === null || !Number.isFinite(samplesPerSec)) return '';
  return `${Math.round(samplesPerSec).toLocaleString('en-US')} samples/s`;
}

/** "17 of 20 succeeded" and "85% · 95% range 64–95%". */
export function formatEval(e: PolicyEval): { main: string; detail: string } {
  const pct = (x: number): string => `${Math.round(x * 100)}%`;
  return {
    main: `${e.successes} of ${e.episodes} succeeded`,
    detail: `${pct(e.successRate)} · 95% range ${Math.round(e.interval95[0] * 100)}–${pct(e.interval95[1])}`,
  };
}

export function formatWhen(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toLocaleString(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}
