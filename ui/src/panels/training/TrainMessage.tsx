/** One calm line at the top of the Train page: the last problem (with its tip), else the last confirmation. */
import { useTraining, useTrainingModel } from '../../app/TrainingContext.tsx';
import { PageMessage } from '../common/PageMessage.tsx';

export function TrainMessage() {
  const model = useTrainingModel();
  const problem = useTraining((s) => s.problem);
  const notice = useTraining((s) => s.notice);
  const listProblem = useTraining((s) => s.listProblems[0] ?? null);
  return (
    <PageMessage problem={problem} listProblem={listProblem} notice={notice} onDismiss={model.dismiss} classPrefix="tr" testIdPrefix="train" />
  );
}
