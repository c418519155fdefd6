/** One calm line at the top of the Train page: the last problem (with its tip), else the last confirmation. */
import { useTraining, useTrainingModel } from '../../app/TrainingContext.tsx';

export function TrainMessage() {
  const model = useTrainingModel();
  const problem = useTraining((s) => s.problem);
  const notice = useTraining((s) => s.notice);
  const listProblem = useTraining((s) => s.listProblems[0] ?? null);
  const shown = problem ?? listProblem;
  if (shown) {
    return (
      <div className={`tr-message tr-message-${shown.severity}`} role="alert" data-testid="train-problem">
        <span className="tr-message-icon">!</span>
        <span className="tr-message-text">
          <strong>{shown.message}</strong>
          <span>{shown.tip}</span>
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
      <div className="tr-message tr-message-ok" role="status" data-testid="train-notice">
        <span className="tr-message-icon">✓</span>
        <span className="tr-message-text">{notice}</span>
        <button className="btn btn-small" onClick={model.dismiss}>
          OK
        </button>
      </div>
    );
  }
  return null;
}
