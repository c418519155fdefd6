/**
 * Choose a policy (the bridge's policies folder via /api/policies: what each
 * was trained on and its evaluation), a mode and a speed, and start or stop
 * it. If the list cannot be read, the folder name can still be typed.
 */
import { useCallback, useEffect, useState } from 'react';
import { roleAllows } from '@cellkit/bridge/protocol';
import { useActions, useCell } from '../../app/CellContext.tsx';
import { fetchPolicies, type PolicyListResult } from '../../data/policy/PoliciesApi.ts';
import { clampSpeed, evalText, MODES, type PolicyMode, policyNameProblem, trainedOnText } from '../../data/policy/policyFormat.ts';

interface DeployChoice {
  policy: string;
  mode: PolicyMode;
  speed: number;
}

function loadChoice(): DeployChoice {
  const fallback: DeployChoice = { policy: '', mode: 'shadow', speed: 0.25 };
  try {
    const v = JSON.parse(localStorage.getItem('cellkit.deploy') ?? '{}') as Partial<DeployChoice>;
    return {
      policy: typeof v.policy === 'string' ? v.policy : '',
      // Always open in shadow: a page reload must never arm the robot.
      mode: 'shadow',
      speed: clampSpeed(typeof v.speed === 'number' ? v.speed : fallback.speed),
    };
  } catch {
    return fallback;
  }
}

export function PolicyControls() {
  const actions = useActions();
  const [choice, setChoice] = useState<DeployChoice>(loadChoice);
  const open = useCell((s) => s.link.state === 'open');
  const role = useCell((s) => s.welcome?.role ?? null);
  const estopped = useCell((s) => s.control?.estopped ?? false);
  const state = useCell((s) => s.policy?.state ?? null);
  const mode = useCell((s) => s.policy?.mode);
  const running = state === 'running' || state === 'intervened' || state === 'paused';
  const [listed, refresh] = usePolicyList();
  useEffect(() => {
    try {
      localStorage.setItem('cellkit.deploy', JSON.stringify({ policy: choice.policy, speed: choice.speed }));
    } catch {
      // Private mode: nothing remembered.
    }
  }, [choice]);

  const nameProblem = policyNameProblem(choice.policy);
  const blocker = !open
    ? 'Not connected to the cell.'
    : state === null
      ? 'This bridge does not run policies.'
      : role && !roleAllows(role, 'control')
        ? 'You can watch only. Ask an admin for an operator token to run a policy.'
        : estopped
          ? 'E-STOP is latched. Reset it (top right) when the area is clear.'
          : choice.policy === ''
            ? 'Choose a trained policy above.'
            : nameProblem;

  const start = (): void => {
    if (blocker || running) return;
    actions.policyStart(choice.policy, choice.mode, choice.speed);
  };

  if (running) {
    // While it runs the choices are fixed (shown in the status beside): only Stop, and Resume after a takeover.
    return (
      <div className="dep-controls dep-controls-running" data-testid="deploy-controls">
        <button className="btn dep-stop" data-testid="deploy-stop" onClick={() => actions.policyStop()}>
          ■ Stop policy
        </button>
        {state === 'running' && mode === 'supervised' && (
          // The runner holds the lease, so the teleop panel's Take control is off: taking over starts here.
          <button className="btn dep-takeover" data-testid="deploy-takeover" onClick={() => actions.takeControl()}>
            Take over
          </button>
        )}
        {state === 'paused' && (
          <button className="btn dep-resume" data-testid="deploy-resume" onClick={() => actions.policyResume()}>
            ▶ Resume policy
          </button>
        )}
        <p className="rec-start-why" data-testid="deploy-start-why">
          {state === 'intervened'
            ? 'You drive now (jog on the right). Press Release control to hand back, then Resume.'
            : state === 'paused'
              ? 'Handed back. Resume lets the policy drive again; Stop ends it.'
              : mode === 'supervised'
                ? 'Take over stops the policy’s commands at once and gives you the jog controls. Stop ends it; E-STOP (Esc) stops the robot.'
                : 'Stop ends the policy at once; E-STOP (Esc) stops the robot.'}
        </p>
      </div>
    );
  }

  return (
    <div className="dep-controls dep-controls-idle" data-testid="deploy-controls">
      <div className="dep-field">
        <span className="dep-label">
          Policy
          <button className="btn btn-small dep-refresh" data-testid="deploy-refresh" onClick={refresh}>
            Refresh
          </button>
        </span>
        <PolicyList listed={listed} selected={choice.policy} onSelect={(name) => setChoice({ ...choice, policy: name })} />
        {listed && !listed.ok && (
          <input
            className={choice.policy && nameProblem ? 'rec-input rec-input-bad' : 'rec-input'}
            data-testid="deploy-policy"
            aria-label="Policy folder name"
            placeholder="policy folder name, e.g. pick_cube-mlp"
            value={choice.policy}
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => setChoice({ ...choice, policy: e.target.value })}
          />
        )}
      </div>

      <div className="dep-col">
        <div className="dep-field">
          <span className="dep-label">Mode</span>
          <div className="dep-modes" role="radiogroup" aria-label="Mode">
            {MODES.map((m) => (
              <button
                key={m.id}
                role="radio"
                aria-checked={choice.mode === m.id}
                className={choice.mode === m.id ? `dep-mode dep-mode-on dep-mode-${m.id}` : `dep-mode dep-mode-${m.id}`}
                data-testid={`deploy-mode-${m.id}`}
                onClick={() => setChoice({ ...choice, mode: m.id })}
              >
                <span className="dep-mode-label">{m.label}</span>
                <span className="dep-mode-what">{m.what}</span>
              </button>
            ))}
          </div>
        </div>

        <div className="dep-field dep-speed">
          <label className="dep-label" htmlFor="dep-speed">
            Speed <span className="dep-speed-value" data-testid="deploy-speed-value">{Math.round(choice.speed * 100)} %</span>
          </label>
          <input
            id="dep-speed"
            type="range"
            min={0.05}
            max={1}
            step={0.05}
            value={choice.speed}
            data-testid="deploy-speed"
            onChange={(e) => setChoice({ ...choice, speed: clampSpeed(Number(e.target.value)) })}
          />
          <span className="rec-muted">of the speed the policy learned (never faster); the safety limits apply on top.</span>
        </div>

        <div className="dep-buttons">
          <button className="btn dep-start" data-testid="deploy-start" disabled={blocker !== undefined} onClick={start}>
            ▶ Start {MODES.find((m) => m.id === choice.mode)?.label.toLowerCase()}
          </button>
          <p className="rec-start-why" data-testid="deploy-start-why">
            {blocker ?? 'Ready.'}
          </p>
        </div>
      </div>
    </div>
  );
}

/** The bridge's policies, fetched on open and on Refresh. */
function usePolicyList(): [PolicyListResult | null, () => void] {
  const [listed, setListed] = useState<PolicyListResult | null>(null);
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    void fetchPolicies({ token: storedToken() }).then((r) => live && setListed(r));
    return () => {
      live = false;
    };
  }, [n]);
  return [listed, useCallback(() => setN((x) => x + 1), [])];
}

function storedToken(): string | undefined {
  try {
    return localStorage.getItem('cellkit.token') ?? undefined;
  } catch {
    return undefined;
  }
}

function PolicyList({ listed, selected, onSelect }: { listed: PolicyListResult | null; selected: string; onSelect: (name: string) => void }) {
  if (listed === null) return <p className="rec-muted">Loading the trained policies…</p>;
  if (!listed.ok) {
    return (
      <div className="rec-warning" role="alert" data-testid="deploy-list-problem">
        <span className="rec-warning-icon">!</span>
        <span>
          <b>{listed.message}.</b> {listed.tip}
        </span>
      </div>
    );
  }
  const { policies, problems } = listed.list;
  return (
    <div className="dep-policies" role="listbox" aria-label="Trained policies" data-testid="deploy-policies">
      {policies.length === 0 && <p className="rec-muted">No trained policies yet. Train one on the Train tab.</p>}
      {policies.map((p) => {
        const ready = p.status === 'ready';
        const ev = evalText(p);
        return (
          <button
            key={p.name}
            role="option"
            aria-selected={p.name === selected}
            className={p.name === selected ? 'dep-policy dep-policy-on' : 'dep-policy'}
            data-testid={`deploy-policy-${p.name}`}
            disabled={!ready}
            onClick={() => onSelect(p.name)}
          >
            <span className="dep-policy-name">
              {p.name}
              {!ready && <span className="dep-policy-status">{p.status === 'training' ? 'training now' : 'stopped before the end'}</span>}
            </span>
            <span className="dep-policy-detail">{trainedOnText(p)}</span>
            <span className={ev.measured ? 'dep-policy-eval dep-policy-eval-measured' : 'dep-policy-eval'} data-testid={`deploy-policy-eval-${p.name}`}>
              {ev.text}
            </span>
          </button>
        );
      })}
      {problems.map((x) => (
        <p key={x.message} className="rec-muted">
          {x.message} — {x.tip}
        </p>
      ))}
    </div>
  );
}
