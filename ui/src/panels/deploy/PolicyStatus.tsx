/**
 * What the policy is doing: state, steps, inference latency, takeovers, the
 * loaded bundle's rate and outputs, and why it stopped (message + tip).
 * Low rate (the bridge sends `policy` a few times a second), so React state.
 */
import { useCell } from '../../app/CellContext.tsx';
import { jointVelocityOutputs } from '../../data/PolicyTrace.ts';
import { formatMs, MODES, outputsText, policyStateText, stopReasonText } from '../../data/policy/policyFormat.ts';

export function PolicyStatus() {
  const p = useCell((s) => s.policy);
  const { text, tone } = policyStateText(p);
  const reason = stopReasonText(p);
  const mode = MODES.find((m) => m.id === p?.mode);
  const shown = p && p.state !== 'idle';
  return (
    <div className="dep-status" data-testid="deploy-status" data-state={p?.state ?? 'none'}>
      <div className={`dep-state dep-state-${tone}`}>
        <span className="dep-state-light" aria-hidden />
        <strong data-testid="deploy-state">{text}</strong>
        {shown && p.policy && (
          <span className="dep-state-what">
            {p.policy} · {mode?.label ?? p.mode} · {Math.round((p.speedScale ?? 1) * 100)} % speed
          </span>
        )}
      </div>
      <div className="dep-figures">
        <Figure label="Steps" value={p ? String(p.steps) : '—'} testId="deploy-steps" />
        <Figure label="Thinking time, typical (p50)" value={formatMs(p?.latencyMs?.p50)} testId="deploy-p50" />
        <Figure label="Thinking time, worst 1 % (p99)" value={formatMs(p?.latencyMs?.p99)} testId="deploy-p99" />
        <Figure label="Takeovers" value={p ? String(p.interventionCount) : '—'} testId="deploy-interventions" />
        <Figure label="Rate" value={p?.rate ? `${p.rate} Hz` : '—'} testId="deploy-rate" />
      </div>
      {shown && p.predicted && <LatestTable predicted={jointVelocityOutputs(p.actionNames, p.predicted)} sent={p.executed?.velocities} />}
      {shown && p.actionNames && (
        <p className="dep-note" data-testid="deploy-outputs" title={p.actionNames.join(', ')}>
          Outputs: {outputsText(p.actionNames)}
        </p>
      )}
      {p?.problems
        .filter((x) => x.code !== reason?.code)
        .map((x) => (
          <div key={x.code} className={`rec-warning rec-warning-${x.severity}`} role="alert" data-testid="deploy-problem">
            <span className="rec-warning-icon">!</span>
            <span>
              <b>{x.message}</b> — {x.tip}
            </span>
          </div>
        ))}
    </div>
  );
}

/** Why the policy stopped, as a message with a tip: at the top of the card, where it cannot be missed. */
export function PolicyStopReason() {
  const p = useCell((s) => s.policy);
  const reason = stopReasonText(p);
  if (!reason) return null;
  return (
    <div className={`rec-warning rec-warning-${reason.severity} dep-reason`} role="alert" data-testid="deploy-stop-reason">
      <span className="rec-warning-icon">{reason.severity === 'info' ? 'i' : '!'}</span>
      <span>
        <b>{reason.message}</b> — {reason.tip}
      </span>
    </div>
  );
}

function Figure({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div className="dep-figure">
      <span className="dep-figure-label">{label}</span>
      <span className="dep-figure-value" data-testid={testId}>
        {value}
      </span>
    </div>
  );
}

const DEG = 180 / Math.PI;

/** The latest step's joint speeds in °/s, predicted beside sent, one column per joint. */
function LatestTable({ predicted, sent }: { predicted: number[]; sent: number[] | undefined }) {
  const deg = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '—' : (Math.abs(v * DEG) < 0.05 ? 0 : v * DEG).toFixed(1));
  return (
    <table className="dep-latest" data-testid="deploy-latest">
      <thead>
        <tr>
          <th>°/s</th>
          {predicted.map((_, j) => (
            <th key={j}>J{j + 1}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        <tr data-testid="deploy-latest-predicted">
          <td>Predicted</td>
          {predicted.map((v, j) => (
            <td key={j}>{deg(v)}</td>
          ))}
        </tr>
        <tr data-testid="deploy-latest-sent">
          <td>Sent to robot</td>
          {predicted.map((_, j) => (
            <td key={j}>{deg(sent?.[j])}</td>
          ))}
        </tr>
      </tbody>
    </table>
  );
}
