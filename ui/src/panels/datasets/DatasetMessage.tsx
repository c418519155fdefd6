/** One calm line under the dataset chooser: the last problem (with its tip), else the last confirmation. */
import { useDatasets, useDatasetsModel } from '../../app/DatasetsContext.tsx';
import { PageMessage } from '../common/PageMessage.tsx';

export function DatasetMessage() {
  const model = useDatasetsModel();
  const problem = useDatasets((s) => s.problem);
  const notice = useDatasets((s) => s.notice);
  const listProblem = useDatasets((s) => s.listProblems[0] ?? null);
  return (
    <PageMessage problem={problem} listProblem={listProblem} notice={notice} onDismiss={model.dismiss} classPrefix="ds" testIdPrefix="datasets" />
  );
}
