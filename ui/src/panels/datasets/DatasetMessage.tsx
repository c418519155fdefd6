/** One calm line under the dataset chooser: the last problem (with its tip), else the last confirmation. */
import { useDatasets, useDatasetsModel } from '../../app/DatasetsContext.tsx';

export function DatasetMessage() {
  const model = useDatasetsModel();
  const problem = useDatasets((s) => s.problem);
  const notice = useDatasets((s) => s.notice);
  const listProblem = useDatasets((s) => s.listProblems[0] ?? null);
  const shown = problem ?? listProblem;
  if (shown) {
    return (
      <div className={`ds-message ds-message-${shown.severity}`} role="alert" data-testid="datasets-problem">
        <span className="ds-message-icon">!</span>
        <span className="ds-message-text">
          <strong>{shown.message}</strong>
          <span className="ds-message-tip">{shown.tip}</span>
        </span>
        {problem && (
          <button className="btn btn-small" onClick={model.dismiss}>
            OK
          </button>
        )}
      </div>
    );
  }
  if (notice) {
    return (
      <div className="ds-message ds-message-ok" role="status" data-testid="datasets-notice">
        <span className="ds-message-icon">✓</span>
        <span className="ds-message-text">{notice}</span>
        <button className="btn btn-small" onClick={model.dismiss}>
          OK
        </button>
      </div>
    );
  }
  return null;
}
