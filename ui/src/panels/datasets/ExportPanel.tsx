/** Export the chosen dataset for training tools (LeRobot v3.0), with progress and where it went. */
import { roleAllows } from '@cellkit/bridge/protocol';
import { useCell } from '../../app/CellContext.tsx';
import { useDatasets, useDatasetsModel } from '../../app/DatasetsContext.tsx';

export function ExportPanel() {
  const model = useDatasetsModel();
  const selected = useDatasets((s) => s.selected);
  const job = useDatasets((s) => s.exportJob);
  const role = useCell((s) => s.welcome?.role ?? null);
  const allowed = role === null || roleAllows(role, 'control');
  if (!selected) return null;
  const running = job?.state === 'running';
  const pct = Math.round((job?.fraction ?? 0) * 100);
  return (
    <div className="export card" data-testid="export-panel" data-state={job?.state ?? 'idle'}>
      <div className="export-head">
        <div>
          <h3>Export for training</h3>
          <p className="export-what">A copy in the LeRobot format (v3.0) for Python training tools. Discarded episodes are left out.</p>
        </div>
        <button className="btn btn-take" data-testid="export-start" disabled={!allowed || running} onClick={() => void model.startExport()}>
          {running ? 'Exporting…' : 'Export to LeRobot'}
        </button>
      </div>
      {job && (
        <div className="export-status" data-testid="export-status">
          <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} data-testid="export-progress">
            <div className={`progress-bar progress-${job.state}`} style={{ width: `${job.state === 'failed' ? 100 : pct}%` }} />
          </div>
          {job.state === 'running' && (
            <p className="export-line">
              {job.stage} · {pct}%
            </p>
          )}
          {job.state === 'done' && (
            <p className="export-line" data-testid="export-done">
              Done: {job.episodes} episode{job.episodes === 1 ? '' : 's'}, {job.frames} frames. Saved in <code className="export-path">{job.out}</code>
              {job.skipped.length > 0 && <span className="export-skipped"> ({job.skipped.length} left out: {job.skipped.map((s) => `#${s.index} ${s.reason}`).join('; ')})</span>}
            </p>
          )}
          {job.state === 'failed' && job.error && (
            <p className="export-line export-failed" data-testid="export-failed">
              <strong>{job.error.message}</strong> <span>{job.error.tip}</span>
            </p>
          )}
        </div>
      )}
      {!allowed && <p className="labels-note">This screen is for watching: ask an operator to export.</p>}
    </div>
  );
}
