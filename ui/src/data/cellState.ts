/**
 * The low-rate cell state the panels render: the link to the bridge, the
 * welcome (cell description and limits), lease, control state, health,
 * recent feedback (clamps, refusals, errors) and the problems derived from
 * all of it. High-rate telemetry and camera frames live elsewhere
 * (Telemetry.ts, CameraFrames.ts) and never pass through here.
 */
import type { HealthMessage, OutputCommand, PolicyMessage, RecordingMessage, ServerMessage, StateMessage, WelcomeMessage } from '@cellkit/bridge/protocol';
import { derive as deriveProblems, type Problem } from './problems.ts';
import { feedbackFromError, feedbackFromSafety, type Feedback } from './feedback.ts';

export type LinkState = 'connecting' | 'open' | 'lost' | 'closed';

export interface LinkStatus {
  state: LinkState;
  /** Connection attempts since the link was last open (0 while open). */
  attempts: number;
  /** Times the link came back after being lost. */
  reconnects: number;
  /** True once any connection was welcomed: "lost" only means something after that. */
  everOpen: boolean;
  /** Set when the bridge refused us for good (bad token, other protocol version). */
  fatal?: { code: string; message: string; tip: string };
}

export interface ControlState {
  estopped: boolean;
  /** Who pressed the e-stop, why and when, while latched. */
  estop: StateMessage['estop'];
  /** Gate name → open. */
  gates: Record<string, boolean>;
  motion: string | undefined;
  leaseHolder: string | null;
  safetyMode: number | null;
  lastOutput: OutputCommand | null;
}

export interface CellState {
  link: LinkStatus;
  welcome: WelcomeMessage | null;
  lease: { holder: string | null; holderName: string | null };
  control: ControlState | null;
  health: HealthMessage | null;
  /** 0..1 from the cell's status, null until known. */
  speedScaling: number | null;
  /** Newest last, at most `MAX_FEEDBACK`. */
  feedback: Feedback[];
  problems: Problem[];
  /** The recorder's latest state (null until the bridge sends one; bridges without recording never do). */
  recording: RecordingMessage | null;
  /** The policy runner's latest state (null until the bridge sends one). */
  policy: PolicyMessage | null;
}

export const MAX_FEEDBACK = 40;

export const initialCellState: CellState = {
  link: { state: 'connecting', attempts: 1, reconnects: 0, everOpen: false },
  welcome: null,
  lease: { holder: null, holderName: null },
  control: null,
  health: null,
  speedScaling: null,
  feedback: [],
  recording: null,
  policy: null,
  problems: deriveProblems({ link: { state: 'connecting', attempts: 1, reconnects: 0, everOpen: false }, welcome: null, control: null, health: null }),
};

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Recomputes problems, keeping the previous array when nothing a person would see changed. */
export function withProblems(s: CellState): CellState {
  const next = deriveProblems(s);
  return sameJson(next, s.problems) ? s : { ...s, problems: next };
}

function addFeedback(s: CellState, f: Feedback): CellState {
  const feedback = s.feedback.length >= MAX_FEEDBACK ? [...s.feedback.slice(1 - MAX_FEEDBACK), f] : [...s.feedback, f];
  return { ...s, feedback };
}

export interface ReduceContext {
  /** ms, wall clock, stamped on feedback so panels can fade it. */
  now: number;
  /** Next feedback id. */
  nextId: () => number;
}

/** Applies one low-rate server message. Telemetry samples and camera bytes are handled by the caller. */
export function reduceServerMessage(s: CellState, msg: ServerMessage, ctx: ReduceContext): CellState {
  switch (msg.op) {
    case 'welcome':
      return withProblems({ ...s, welcome: msg, link: { ...s.link, state: 'open', attempts: 0, everOpen: true, fatal: undefined } });
    case 'lease':
      if (s.lease.holder === msg.holder && s.lease.holderName === msg.holderName) return s;
      return { ...s, lease: { holder: msg.holder, holderName: msg.holderName } };
    case 'state': {
      const prev = s.control;
      const gates = prev && sameJson(prev.gates, msg.gates) ? prev.gates : msg.gates;
      const estop = prev && sameJson(prev.estop, msg.estop) ? prev.estop : msg.estop;
      const control: ControlState = { estopped: msg.estopped, estop, gates, motion: msg.motion, leaseHolder: msg.leaseHolder, safetyMode: msg.safetyMode, lastOutput: msg.lastOutput };
      const speedScaling = msg.speedScaling ?? s.speedScaling;
      return withProblems({ ...s, control, speedScaling });
    }
    case 'telemetry': {
      if (!msg.status) return s;
      const { safetyMode, speedScaling } = msg.status;
      const control = s.control && s.control.safetyMode !== safetyMode ? { ...s.control, safetyMode } : s.control;
      if (control === s.control && speedScaling === s.speedScaling) return s;
      return withProblems({ ...s, control, speedScaling });
    }
    case 'health':
      return withProblems({ ...s, health: msg });
    case 'safety':
      return addFeedback(s, feedbackFromSafety(msg.event, { id: ctx.nextId(), at: ctx.now, mine: s.welcome !== null && s.lease.holder === s.welcome.clientId }));
    case 'error': {
      const f = feedbackFromError(msg, { id: ctx.nextId(), at: ctx.now });
      return addFeedback(s, f);
    }
    case 'recording':
      return sameJson(msg, s.recording) ? s : { ...s, recording: msg };
    case 'policy':
      return sameJson(msg, s.policy) ? s : { ...s, policy: msg };
    case 'camera':
    case 'pong':
      return s;
  }
}

/** The link changed state (socket opened, closed, or the bridge refused us). */
export function reduceLink(s: CellState, link: Partial<LinkStatus>): CellState {
  const next = { ...s.link, ...link };
  if (sameJson(next, s.link)) return s;
  // While the link is down nothing we knew about the lease or control is current.
  const down = next.state !== 'open';
  return withProblems({
    ...s,
    link: next,
    lease: down ? { holder: null, holderName: null } : s.lease,
    control: down ? null : s.control,
    health: down ? null : s.health,
    recording: down ? null : s.recording,
    policy: down ? null : s.policy,
  });
}
