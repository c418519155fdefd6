/**
 * Problems: everything that stops or limits the robot, as a message and a
 * tip for the person in front of it. Derived from the cell state, never
 * thrown; the header shows them in order of severity.
 */
import type { HealthMessage, WelcomeMessage } from '@cellkit/bridge/protocol';
import { roleAllows } from '@cellkit/bridge/protocol';
import type { ControlState, LinkStatus } from './cellState.ts';
import { safetyModeProblem } from './safetyModes.ts';

export type ProblemSeverity = 'danger' | 'warning' | 'info';

export interface Problem {
  /** Stable key: the same situation keeps the same id while it lasts. */
  id: string;
  severity: ProblemSeverity;
  message: string;
  tip: string;
}

export interface ProblemInputs {
  link: LinkStatus;
  welcome: WelcomeMessage | null;
  control: ControlState | null;
  health: HealthMessage | null;
}

const RANK: Record<ProblemSeverity, number> = { danger: 0, warning: 1, info: 2 };

export function derive(s: ProblemInputs): Problem[] {
  const out: Problem[] = [];
  const { link } = s;
  if (link.fatal) {
    out.push({ id: `fatal:${link.fatal.code}`, severity: 'danger', message: link.fatal.message, tip: link.fatal.tip });
    return out;
  }
  if (link.state !== 'open') {
    if (link.everOpen) {
      out.push({
        id: 'link-lost',
        severity: 'danger',
        message: 'Connection to the cell lost — motion is stopped',
        tip: `Check the robot PC and the network cable. Reconnecting by itself${link.attempts > 1 ? ` (attempt ${link.attempts})` : ''}…`,
      });
    } else {
      out.push({
        id: 'link-connecting',
        severity: link.attempts > 2 ? 'warning' : 'info',
        message: link.attempts > 2 ? 'Cannot reach the cell yet' : 'Connecting to the cell…',
        tip: link.attempts > 2 ? `Check that the robot PC is on and the cellkit bridge is running. Trying again (attempt ${link.attempts})…` : 'This takes a second.',
      });
    }
    return out;
  }
  const health = s.health?.connection;
  if (health && health.state !== 'connected') {
    out.push({
      id: 'robot-link',
      severity: 'danger',
      message: 'The bridge lost the robot — motion is stopped',
      tip: `Check that the robot controller is on and its network cable is plugged in (${health.url}).${health.error ? ` Last error: ${health.error}.` : ''} Reconnecting by itself.`,
    });
  }
  const c = s.control;
  const canControl = s.welcome ? roleAllows(s.welcome.role, 'control') : false;
  if (c?.estopped) {
    out.push({
      id: 'estop',
      severity: 'danger',
      message: `E-STOP latched${c.estop ? ` by ${c.estop.by.replace(/\s*\[[^\]]*\]$/, '')}` : ''} — the robot will not move`,
      tip: canControl ? 'When everyone is clear of the robot, press Reset at the top right.' : 'When everyone is clear, ask an operator to reset it.',
    });
  }
  const mode = safetyModeProblem(c?.safetyMode);
  if (mode) out.push({ id: `mode:${c?.safetyMode}`, ...mode });
  const gates = c?.gates ?? {};
  if (gates.force === false) {
    out.push({ id: 'gate:force', severity: 'danger', message: 'Force limit reached — the tool pushed too hard', tip: 'Jog the arm away from the contact: it backs off slowly while the force is high, and stops if the force rises. Full speed returns when the force drops.' });
  }
  if (gates.inputs === false) {
    out.push({ id: 'gate:inputs', severity: 'warning', message: 'The bridge does not trust the robot data — motion is paused', tip: 'Check the robot driver and the bridge log.' });
  }
  if (gates.connection === false && (!health || health.state === 'connected')) {
    out.push({ id: 'gate:connection', severity: 'warning', message: 'Robot data is arriving late — motion is paused', tip: 'Check the network between the robot PC and the robot. It resumes by itself.' });
  }
  if (s.welcome && !canControl) {
    out.push({ id: 'role', severity: 'info', message: 'You can watch and press E-STOP, but not move the robot', tip: 'To move it, ask an admin for an operator token.' });
  }
  return out.sort((a, b) => RANK[a.severity] - RANK[b.severity]);
}
