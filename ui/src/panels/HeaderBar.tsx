/**
 * Always visible: the link to the cell, the robot's safety mode in words,
 * who holds control, and the E-STOP. Each block has a fixed width so
 * nothing moves as states change.
 */
import { roleAllows } from '@cellkit/bridge/protocol';
import { useCell } from '../app/CellContext.tsx';
import { safetyModeInfo } from '../data/safetyModes.ts';
import { EstopControl } from './EstopControl.tsx';

function ConnectionBadge() {
  const state = useCell((s) => s.link.state);
  const attempts = useCell((s) => s.link.attempts);
  const everOpen = useCell((s) => s.link.everOpen);
  const reconnects = useCell((s) => s.link.reconnects);
  const robot = useCell((s) => s.health?.connection.state ?? null);
  let tone = 'ok';
  let text = 'Connected';
  let detail = reconnects > 0 ? `reconnected ${reconnects}×` : 'to the cell';
  if (state !== 'open') {
    tone = everOpen ? 'stop' : 'notice';
    text = everOpen ? 'Connection lost' : 'Connecting…';
    detail = attempts > 1 ? `retrying (${attempts})` : 'please wait';
  } else if (robot !== null && robot !== 'connected') {
    tone = 'stop';
    text = 'Robot not reachable';
    detail = 'bridge is retrying';
  }
  return (
    <div className={`badge badge-${tone}`} data-testid="connection" data-state={state}>
      <span className="badge-label">Cell</span>
      <span className="badge-value">{text}</span>
      <span className="badge-detail">{detail}</span>
    </div>
  );
}

function SafetyModeBadge() {
  const open = useCell((s) => s.link.state === 'open');
  const mode = useCell((s) => s.control?.safetyMode ?? null);
  const info = safetyModeInfo(mode);
  return (
    <div className={`badge badge-${open ? info.tone : 'notice'}`} data-testid="safety-mode">
      <span className="badge-label">Robot</span>
      <span className="badge-value">{open ? info.label : '—'}</span>
      <span className="badge-detail">safety mode</span>
    </div>
  );
}

function ControlBadge({ clientName }: { clientName: string }) {
  const open = useCell((s) => s.link.state === 'open');
  const holder = useCell((s) => s.lease.holder);
  const holderName = useCell((s) => s.lease.holderName);
  const me = useCell((s) => s.welcome?.clientId ?? null);
  let text = 'Nobody';
  let tone = 'neutral';
  let detail = 'robot is free';
  if (!open) {
    text = '—';
    detail = 'not connected';
  } else if (holder !== null && holder === me) {
    text = 'You';
    tone = 'mine';
    detail = `as ${clientName}`;
  } else if (holder !== null) {
    text = holderName ?? holder;
    tone = 'other';
    detail = 'another operator';
  }
  return (
    <div className={`badge badge-${tone}`} data-testid="control">
      <span className="badge-label">Control</span>
      <span className="badge-value" title={text}>
        {text}
      </span>
      <span className="badge-detail">{detail}</span>
    </div>
  );
}

export function HeaderBar({ clientName }: { clientName: string }) {
  const arm = useCell((s) => s.welcome?.cell.arm ?? null);
  const role = useCell((s) => s.welcome?.role ?? null);
  return (
    <header className="header">
      <div className="brand">
        <span className="brand-name">cellkit</span>
        <span className="brand-cell">
          {arm ? arm.toUpperCase() : 'robot cell'}
          {role && !roleAllows(role, 'control') ? ' · watching' : ''}
        </span>
      </div>
      <ConnectionBadge />
      <SafetyModeBadge />
      <ControlBadge clientName={clientName} />
      <EstopControl />
    </header>
  );
}
