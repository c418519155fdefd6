/** Every trained policy (and stopped run) in the policies folder, newest first, with how it did in evaluation. */
import { roleAllows } from '@cellkit/bridge/protocol';
import { useCell } from '../../app/CellContext.tsx';
import { useTraining, useTrainingModel } from '../../app/TrainingContext.tsx';
import { isRunning } from '../../data/training/TrainingModel.ts';
import { formatEval, formatLoss, formatWhen, policyShort } from './trainFormat.ts';

const STATUS_TEXT = { ready: 'Ready', stopped: 'Stopped', training: 'Training' } as const;

export function PolicyHistory() {
  const model = useTrainingModel();
  const policies = useTraining((s) => s.policies);
  const running = useTraining((s) => isRunning(s.job));
  const busy = useTraining((s) => s.busy);
  const role = useCell((s) => s.welcome?.role ?? null);
  const allowed = role === null || roleAllows(role, 'control');
  return (
    <section className="tr-history card" data-testid="train-history">
      <div className="tr-history-head">
        <h3>Trained policies</h3>
        <button className="btn btn-small" onClick={() => void model.refreshPolicies()}>
          Refresh
        </button>
      </div>
      {policies === null ? (
        <p className="tr-help">Loading…</p>
      ) : policies.length === 0 ? (
        <p className="tr-help" data-testid="train-history-empty">
          No policies yet. Each training run is saved here when it finishes.
        </p>
      ) : (
        <div className="tr-table-wrap">
          <table className="tr-table">
            <thead>
              <tr>
                <th>Policy</th>
                <th>Kind</th>
                <th>Trained on</th>
                <th>Epochs</th>
                <th>Best validation loss</th>
                <th>Evaluation in the sim</th>
                <th>When</th>
                <th>Status</th>
              </tr>
            </thead>
            <tbody>
              {policies.map((p) => (
                <tr key={p.name} data-testid={`policy-row-${p.name}`} data-status={p.status}>
                  <td className="tr-name">{p.name}</td>
                  <td>{policyShort(p.policy)}</td>
                  <td>
                    {p.dataset ?? '—'}
                    {p.episodes.length > 0 && <span className="tr-sub">{p.episodes.length} episodes{p.rate !== null ? ` · ${p.rate} Hz` : ''}</span>}
                  </td>
                  <td className="tr-num">{p.epochs}</td>
                  <td className="tr-num">{formatLoss(p.bestValLoss)}</td>
                  <td data-testid={`policy-eval-${p.name}`}>
                    {p.eval ? (
                      <>
                        <span className="tr-eval">{formatEval(p.eval).main}</span>
                        <span className="tr-sub">
                          {formatEval(p.eval).detail} · task {p.eval.task}
                          {p.eval.meanTimeToSuccess !== null ? ` · ${p.eval.meanTimeToSuccess.toFixed(1)} s on average` : ''}
                        </span>
                      </>
                    ) : p.status === 'ready' ? (
                      <span className="tr-sub" title={`cellkit eval --policy <policies folder>/${p.name} --task reach`}>
                        Not evaluated yet (cellkit eval)
                      </span>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td className="tr-when">{formatWhen(p.createdAt)}</td>
                  <td className="tr-nowrap">
                    <span className={`tr-status tr-status-${p.status}`}>{STATUS_TEXT[p.status]}</span>
                    {p.status === 'stopped' && (
                      <button className="btn btn-small tr-continue" disabled={!allowed || running || busy} onClick={() => void model.resume(p.name)}>
                        Continue
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
