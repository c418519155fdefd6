/**
 * The policy runner's state in plain words for the Deploy page: what each
 * mode does, what the runner is doing now, and why it stopped. Pure
 * functions (unit-tested in node).
 */
import { POLICY_NAME_PATTERN, type PolicyMessage, type PolicyProblem } from '@cellkit/bridge/protocol';
import type { PolicySummary } from './PoliciesApi.ts';

export type PolicyMode = NonNullable<PolicyMessage['mode']>;

export const MODES: { id: PolicyMode; label: string; what: string }[] = [
  { id: 'shadow', label: 'Shadow', what: 'Predict only — the robot does not move.' },
  { id: 'supervised', label: 'Supervised', what: 'The robot moves; any jog or Take control takes over at once.' },
  { id: 'autonomous', label: 'Autonomous', what: 'The robot moves on its own, inside the safety limits. E-STOP stops it.' },
];

/** Why `name` cannot name a policy bundle, in words; undefined when it can. */
export function policyNameProblem(name: string): string | undefined {
  if (name === '') return 'Type the name of the policy folder (as the trainer saved it).';
  if (POLICY_NAME_PATTERN.test(name)) return undefined;
  if (name.length > 64) return `Too long: at most 64 characters (this one has ${name.length}).`;
  if (/[/\\]/.test(name)) return 'A name, not a path: only the folder name under the policies folder.';
  return 'Use only letters, digits, _ and -, starting with a letter or a digit.';
}

/** The runner's state as one short line and a tone for its badge. */
export function policyStateText(p: PolicyMessage | null): { text: string; tone: 'idle' | 'running' | 'attention' | 'stopped' } {
  if (!p) return { text: 'No policy information from the cell', tone: 'idle' };
  switch (p.state) {
    case 'idle':
      return { text: 'No policy running', tone: 'idle' };
    case 'running':
      return { text: p.mode === 'shadow' ? 'Predicting (robot does not move)' : 'Policy is driving the robot', tone: 'running' };
    case 'intervened':
      return { text: 'An operator took over', tone: 'attention' };
    case 'paused':
      return { text: 'Paused after a takeover — press Resume to hand back', tone: 'attention' };
    case 'stopped':
      return { text: 'Stopped', tone: 'stopped' };
  }
}

/** The stop reason as a message with a tip; an operator's own stop is calm (info), faults are not. */
export function stopReasonText(p: PolicyMessage | null): PolicyProblem | undefined {
  if (!p || p.state !== 'stopped' || !p.stopReason) return undefined;
  return p.stopReason;
}

/** Milliseconds with sensible digits. */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  return ms < 10 ? `${ms.toFixed(2)} ms` : ms < 100 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(0)} ms`;
}

/** A speed slider value as a percentage of the policy's own speed (capped at 100 %). */
export function clampSpeed(v: number): number {
  if (!Number.isFinite(v)) return 0.25;
  return Math.min(1, Math.max(0.05, v));
}


/** "6 joint speeds + gripper" for a bundle's output names. */
export function outputsText(names: string[]): string {
  const gripper = names.filter((n) => /gripper/i.test(n)).length;
  const velocity = names.filter((n) => /velocity/i.test(n)).length;
  const other = names.length - gripper - velocity;
  const parts = [velocity ? `${velocity} joint speed${velocity === 1 ? '' : 's'}` : '', gripper ? 'gripper' : '', other ? `${other} other` : ''].filter(Boolean);
  return parts.join(' + ') || 'none';
}

/** What a bundle was trained on, in one line: "mlp · dataset pick_cube, 12 episodes · 10 Hz · 30 epochs". */
export function trainedOnText(p: PolicySummary): string {
  const parts = [p.policy];
  if (p.dataset) parts.push(`dataset ${p.dataset}, ${p.episodes.length} episode${p.episodes.length === 1 ? '' : 's'}`);
  if (p.rate !== null) parts.push(`${p.rate} Hz`);
  parts.push(`${p.epochs} epoch${p.epochs === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

/** The evaluation in words: "Succeeded 8 of 10 tries: 80 % (likely 49–94 %)", or how to get one. */
export function evalText(p: PolicySummary): { text: string; measured: boolean } {
  const e = p.eval;
  if (!e) return { text: 'Not tested in the sim yet (cellkit eval).', measured: false };
  const pct = (x: number): string => `${Math.round(x * 100)}`;
  return { text: `Succeeded ${e.successes} of ${e.episodes} tries: ${pct(e.successRate)} % (likely ${pct(e.interval95[0])}–${pct(e.interval95[1])} %)`, measured: true };
}
