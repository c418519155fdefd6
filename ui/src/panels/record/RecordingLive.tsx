/**
 * While an episode records: what is being recorded and for how long, the
 * live quality of every stream with a plain-words warning when one falls
 * behind, optional notes, and three big outcome buttons that stop it.
 * Elapsed time comes from the bridge (`recording.elapsed`, twice a second).
 */
import type { RecordingMessage, RecordStopMessage } from '@cellkit/bridge/protocol';
import { formatElapsed, formatRate, streamRows } from '../../data/recording/recordingFormat.ts';

export const OUTCOME_KEYS: { outcome: RecordStopMessage['outcome']; key: string; code: string; label: string; what: string }[] = [
  { outcome: 'success', key: '1', code: 'Digit1', label: 'Success', what: 'the task was done well' },
  { outcome: 'failure', key: '2', code: 'Digit2', label: 'Failure', what: 'kept, marked as failed' },
  { outcome: 'discard', key: '3', code: 'Digit3', label: 'Discard', what: 'kept on disk, never trained on' },
];

export function RecordingLive(props: {
  rec: RecordingMessage;
  notes: string;
  onNotes: (n: string) => void;
  onStop: (outcome: RecordStopMessage['outcome']) => void;
}) {
  const { rec } = props;
  const rows = streamRows(rec);
  const warnings = rows.filter((r) => r.warning);
  const stopping = rec.state === 'stopping';
  return (
    <div className="rec-live" data-testid="record-live" data-state={rec.state}>
      <div className="rec-banner">
        <span className={stopping ? 'rec-light rec-light-stopping' : 'rec-light'} aria-hidden />
        <div className="rec-banner-text">
          <strong data-testid="record-status">{stopping ? 'Saving…' : 'Recording'}</strong>
          <span className="rec-banner-what">
            Episode <b data-testid="record-episode">{rec.episode ?? '—'}</b> of <b>{rec.dataset}</b> · {rec.task}
          </span>
        </div>
        <span className="rec-elapsed" data-testid="record-elapsed">
          {formatElapsed(rec.elapsed)}
        </span>
      </div>

      {warnings.length > 0 && (
        <div className="rec-warnings" role="alert" data-testid="record-warnings">
          {warnings.map((w) => (
            <div key={w.stream} className="rec-warning">
              <span className="rec-warning-icon">!</span>
              {w.warning}
            </div>
          ))}
        </div>
      )}
      {rec.problems.map((p) => (
        <div key={p.code} className={`rec-warning rec-warning-${p.severity}`} role="alert">
          <span className="rec-warning-icon">!</span>
          <span>
            <b>{p.message}</b> {p.tip}
          </span>
        </div>
      ))}

      <label className="rec-label" htmlFor="rec-notes">
        Notes <span className="rec-muted">(optional — anything unusual about this try)</span>
      </label>
      <textarea id="rec-notes" className="rec-notes" data-testid="record-notes" rows={2} maxLength={2000} value={props.notes} onChange={(e) => props.onNotes(e.target.value)} />

      <div className="rec-outcomes">
        {OUTCOME_KEYS.map((o) => (
          <button key={o.outcome} className={`btn rec-outcome rec-outcome-${o.outcome}`} data-testid={`record-stop-${o.outcome}`} disabled={stopping} onClick={() => props.onStop(o.outcome)}>
            <span className="rec-outcome-label">
              {o.label} <kbd>{o.key}</kbd>
            </span>
            <span className="rec-outcome-what">{o.what}</span>
          </button>
        ))}
      </div>
      <table className="rec-quality" data-testid="record-quality">
        <thead>
          <tr>
            <th>Stream</th>
            <th>Rate (messages per second)</th>
            <th>Received</th>
            <th title="Gaps longer than two frames">Drops</th>
            <th title="Largest time offset from the joint readings">Skew</th>
            <th>State</th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && (
            <tr>
              <td colSpan={6} className="rec-muted">
                Waiting for the first quality report…
              </td>
            </tr>
          )}
          {rows.map((r) => (
            <tr key={r.stream} className={`rec-q rec-q-${r.health}`} data-testid={`record-stream-${r.stream}`} data-health={r.health}>
              <td>{r.label}</td>
              <td className="rec-num">{formatRate(r.health === 'starting' ? null : r.rate, r.nominal)}</td>
              <td className="rec-num">{r.count}</td>
              <td className="rec-num">{r.drops}</td>
              <td className="rec-num">{r.skewMs === null ? '—' : `${r.skewMs.toFixed(0)} ms`}</td>
              <td>{HEALTH_WORDS[r.health]}</td>
            </tr>
          ))}
        </tbody>
      </table>

    </div>
  );
}

const HEALTH_WORDS: Record<string, string> = {
  ok: '✓ OK',
  slow: '~ A little slow',
  behind: '! Falling behind',
  missing: '! Nothing received',
  starting: 'Starting…',
  unrated: 'As it happens',
};
