/** Plain-words text for the Train page. */
import type { ActionKind, LrSchedule, PolicyEval, PolicyOptions, PolicyType, StateInput, TrainingRunSettings } from '../../data/training/TrainingApi.ts';

export const POLICY_TEXT: Record<PolicyType, { title: string; short: string; what: string }> = {
  mlp: {
    title: 'Simple (joints only)',
    short: 'Simple',
    what: 'Learns from the arm’s joint positions and the gripper. Fast to train; good for reaching and moves where things are always in the same place.',
  },
  chunk: {
    title: 'Vision (cameras)',
    short: 'Vision',
    what: 'Learns from the camera images, the gripper and the force sensor, so it can follow objects that move. Slower to train; plans a few steps at a time for smoother motion.',
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

/** State inputs for the Advanced settings: a name and one line on what it is. */
export const STATE_TEXT: Record<StateInput, { title: string; hint: string }> = {
  joint_position: { title: 'Joint positions', hint: 'The arm’s joint angles. Needed without cameras; with cameras the skill tends to follow the demonstrated path instead of looking at the goal.' },
  joint_velocity: { title: 'Joint speeds', hint: 'How fast each joint turns. Skills tend to copy their current motion with it.' },
  gripper: { title: 'Gripper', hint: 'How open the gripper is.' },
  wrench: { title: 'Force and torque', hint: 'What the wrist force sensor feels.' },
  tcp_pose: { title: 'Tool pose', hint: 'Tool position and orientation from forward kinematics (sim cell’s tool).' },
  tcp_height: { title: 'Tool height', hint: 'How high the tool is above the robot base: how far to descend, without where on a demonstrated path it is.' },
};

export const ACTION_TEXT: Record<ActionKind, { title: string; hint: string }> = {
  velocity: { title: 'Joint speeds', hint: 'The recorded speed commands, as sent to the arm.' },
  position: { title: 'Joint targets', hint: 'Where each joint is one step later: small errors don’t add up to drift.' },
  twist: { title: 'Tool motion', hint: 'How the tool moves (speed and turn), turned into joint speeds by the bridge.' },
};

export const SCHEDULE_TEXT: Record<LrSchedule, string> = {
  constant: 'Constant',
  cosine: 'Cosine: down to 0 by the last epoch',
};

const textOf = <K extends string>(table: Record<K, { title: string }>, key: string): string => (key in table ? table[key as K].title : key);

/** One line on what a run learns from and how: "Inputs: … · Outputs: … · Learning rate …". */
export function formatRunSettings(s: TrainingRunSettings): string {
  const inputs = s.state === null ? 'everything recorded' : s.state.map((g) => textOf(STATE_TEXT, g).toLowerCase()).join(', ');
  const parts = [`Inputs: ${inputs}`, `Outputs: ${textOf(ACTION_TEXT, s.action).toLowerCase()}`, `Learning rate ${s.learningRate}${s.lrSchedule === 'constant' ? '' : `, ${s.lrSchedule}`}`];
  const options = formatOptions(s.options);
  if (options !== '') parts.push(`Options: ${options}`);
  return parts.join(' · ');
}

export function formatOptions(options: PolicyOptions): string {
  return Object.entries(options).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');
}
