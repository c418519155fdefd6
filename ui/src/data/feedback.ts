/**
 * Feedback: clamps, refusals and errors turned into short messages with a
 * tip, tagged with the area of the screen they belong next to (the jog
 * buttons, the control button, the gripper, the e-stop).
 */
import type { ErrorMessage, SafetyEvent } from '@cellkit/bridge/protocol';

export type FeedbackArea = 'jog' | 'lease' | 'gripper' | 'estop' | 'record' | 'policy' | 'cell';
export type FeedbackTone = 'info' | 'warning' | 'danger';

export interface Feedback {
  id: number;
  /** ms, wall clock when it arrived. */
  at: number;
  area: FeedbackArea;
  tone: FeedbackTone;
  /** The safety event's kind, or 'error' for an error reply. */
  kind: SafetyEvent['kind'] | 'error';
  code: string;
  message: string;
  tip?: string;
  /** About this operator's own commands (errors always; safety events when we hold the lease). */
  mine: boolean;
  /** Occurrences folded into this one by the bridge's rate limiting. */
  suppressed?: number;
}

/** Tips by code for the person at the controls, when the bridge sent none. */
const TIPS: Record<string, string> = {
  lease_held: 'Another operator has control. Ask them to press Release control.',
  not_lease_holder: 'Press Take control first.',
  no_lease: 'Press Take control first.',
  estopped: 'The E-STOP is latched. When everyone is clear, press Reset at the top.',
  gate_closed: 'The robot is not ready to move. Read the messages at the top of the screen.',
  forbidden: 'Your access only lets you watch. Ask an admin for an operator token.',
  rate_limited: 'Too many commands were sent. Let go of the controls for a moment.',
  joint_velocity: 'Moving at the speed limit the cell allows.',
  joint_acceleration: 'Speeding up gently: the cell limits acceleration.',
  joint_position_margin: 'This joint is close to its limit. Jog it the other way.',
  tcp_speed: 'The tool is moving at the speed limit the cell allows.',
  workspace: 'The tool is at the edge of its allowed area. Move it back inside.',
  braking: 'Slowing down near a limit.',
  immediate_stop: 'Stopped at once to stay inside the limits.',
  gripper_range: 'The gripper cannot go further.',
  deadman: 'Motion stopped because the jog commands stopped arriving. Press and hold again.',
  stale_command: 'A late command was ignored. Check the network if this repeats.',
  unsupported: 'This cell does not have that feature.',
  not_implemented: 'This feature is not available on this bridge yet.',
  force: 'The tool pressed too hard. Jog it away from the contact.',
};

export function tipFor(code: string): string | undefined {
  return TIPS[code];
}

function areaOfOp(op: string | undefined): FeedbackArea {
  if (op === 'teleop.joints' || op === 'teleop.twist') return 'jog';
  if (op === 'teleop.gripper') return 'gripper';
  if (op === 'lease.acquire' || op === 'lease.release') return 'lease';
  if (op === 'estop' || op === 'estop.reset') return 'estop';
  if (op === 'record.start' || op === 'record.stop') return 'record';
  if (op === 'policy.start' || op === 'policy.stop' || op === 'policy.resume') return 'policy';
  if (op === undefined) return 'jog';
  return 'cell';
}

export function feedbackFromError(e: ErrorMessage, at: { id: number; at: number }): Feedback {
  const code = String(e.code);
  const area = code === 'rate_limited' ? 'jog' : areaOfOp(e.requestOp);
  return { id: at.id, at: at.at, area, tone: 'warning', kind: 'error', code, message: e.message, tip: e.tip ?? tipFor(code), mine: true };
}

export function feedbackFromSafety(ev: SafetyEvent, at: { id: number; at: number; mine: boolean }): Feedback {
  let area: FeedbackArea;
  let tone: FeedbackTone;
  switch (ev.kind) {
    case 'clamp':
      area = ev.code === 'gripper_range' ? 'gripper' : 'jog';
      tone = 'info';
      break;
    case 'refusal':
    case 'deadman':
      area = 'jog';
      tone = 'warning';
      break;
    case 'estop':
    case 'estop_reset':
      area = 'estop';
      tone = ev.kind === 'estop' ? 'danger' : 'info';
      break;
    default:
      area = 'cell';
      tone = ev.kind === 'force_stop' ? 'danger' : 'info';
  }
  const f: Feedback = { id: at.id, at: at.at, area, tone, kind: ev.kind, code: ev.code, message: ev.message, tip: tipFor(ev.code) ?? tipFor(ev.kind), mine: at.mine };
  if (ev.suppressed) f.suppressed = ev.suppressed;
  return f;
}
