/**
 * Before an episode: which dataset (one of the bridge's, or a new name),
 * which task (free text, the dataset's earlier tasks offered), and a big
 * Start button that says why it is off when it is.
 */
import { useEffect, useState } from 'react';
import { roleAllows } from '@cellkit/bridge/protocol';
import { useCell } from '../../app/CellContext.tsx';
import type { DatasetSummary } from '../../data/datasets/DatasetsApi.ts';
import { datasetNameProblem, suggestDatasetName } from '../../data/recording/recordingFormat.ts';

export interface RecordChoice {
  dataset: string;
  task: string;
}

/** Why Start is off, in words; undefined when the operator may start. */
export function useStartBlocker(choice: RecordChoice): string | undefined {
  const open = useCell((s) => s.link.state === 'open');
  const role = useCell((s) => s.welcome?.role ?? null);
  const hasRecorder = useCell((s) => s.recording !== null);
  const estopped = useCell((s) => s.control?.estopped ?? false);
  if (!open) return 'Not connected to the cell.';
  if (!hasRecorder) return 'This bridge does not record. Ask your integrator to enable recording.';
  if (role && !roleAllows(role, 'control')) return 'You can watch only. Ask an admin for an operator token to record.';
  if (estopped) return 'E-STOP is latched. Reset it (top right) when the area is clear.';
  const nameProblem = datasetNameProblem(choice.dataset);
  if (nameProblem) return nameProblem;
  if (choice.task.trim() === '') return 'Say in a few words what the demonstration does (the task).';
  return undefined;
}

export function RecordSetup(props: {
  datasets: DatasetSummary[] | null;
  listError: string | null;
  choice: RecordChoice;
  onChange: (c: RecordChoice) => void;
  onStart: () => void;
  starting: boolean;
}) {
  const { datasets, choice, onChange } = props;
  const blocker = useStartBlocker(choice);
  const known = datasets?.find((d) => d.name === choice.dataset);
  const nameProblem = choice.dataset === '' ? undefined : datasetNameProblem(choice.dataset);
  const suggestion = nameProblem ? suggestDatasetName(choice.dataset) : '';
  const tasks = known?.tasks ?? [];
  return (
    <div className="rec-setup" data-testid="record-setup">
      <div className="rec-field">
        <label className="rec-label" htmlFor="rec-dataset">
          1. Dataset
        </label>
        <div className="rec-datasets" role="listbox" aria-label="Existing datasets">
          {datasets === null && !props.listError && <span className="rec-muted">Loading datasets…</span>}
          {props.listError && <span className="rec-muted">{props.listError}</span>}
          {datasets?.length === 0 && <span className="rec-muted">No datasets yet — type a name to start the first one.</span>}
          {datasets?.map((d) => (
            <button
              key={d.name}
              role="option"
              aria-selected={d.name === choice.dataset}
              className={d.name === choice.dataset ? 'rec-ds rec-ds-on' : 'rec-ds'}
              data-testid={`record-dataset-${d.name}`}
              onClick={() => onChange({ dataset: d.name, task: choice.task || (d.tasks[d.tasks.length - 1] ?? '') })}
            >
              <span className="rec-ds-name">{d.name}</span>
              <span className="rec-ds-detail">
                {d.episodes} episode{d.episodes === 1 ? '' : 's'} · {d.outcomes.success} good
              </span>
            </button>
          ))}
        </div>
        <input
          id="rec-dataset"
          className={nameProblem ? 'rec-input rec-input-bad' : 'rec-input'}
          data-testid="record-dataset-name"
          placeholder="or type a new dataset name, e.g. pick_cube"
          value={choice.dataset}
          maxLength={80}
          autoComplete="off"
          spellCheck={false}
          onChange={(e) => onChange({ ...choice, dataset: e.target.value })}
        />
        <div className={nameProblem ? 'rec-hint rec-hint-bad' : 'rec-hint'} data-testid="record-dataset-hint">
          {nameProblem ? (
            <>
              {nameProblem}
              {suggestion && suggestion !== choice.dataset && !datasetNameProblem(suggestion) && (
                <button className="btn btn-small rec-suggest" onClick={() => onChange({ ...choice, dataset: suggestion })}>
                  Use “{suggestion}”
                </button>
              )}
            </>
          ) : choice.dataset === '' ? (
            'Small letters, digits, _ and - (for example pick_cube).'
          ) : known ? (
            `Adds to “${known.name}” (${known.episodes} episodes so far).`
          ) : (
            `A new dataset “${choice.dataset}” is created when you press Start.`
          )}
        </div>
      </div>
      <div className="rec-field">
        <label className="rec-label" htmlFor="rec-task">
          2. Task
        </label>
        <input
          id="rec-task"
          className="rec-input"
          data-testid="record-task"
          placeholder="what the demonstration does, e.g. pick the red cube and place it in the bin"
          value={choice.task}
          maxLength={500}
          list="rec-task-list"
          autoComplete="off"
          onChange={(e) => onChange({ ...choice, task: e.target.value })}
        />
        <datalist id="rec-task-list">
          {tasks.map((t) => (
            <option key={t} value={t} />
          ))}
        </datalist>
        {tasks.length > 0 && (
          <div className="rec-tasks">
            <span className="rec-muted">Earlier tasks:</span>
            {tasks.slice(-4).map((t) => (
              <button key={t} className={t === choice.task ? 'rec-chip rec-chip-on' : 'rec-chip'} onClick={() => onChange({ ...choice, task: t })} title={t}>
                {t}
              </button>
            ))}
          </div>
        )}
      </div>
      <div className="rec-start-row">
        <button className="btn rec-start" data-testid="record-start" disabled={blocker !== undefined || props.starting} onClick={props.onStart}>
          <span className="rec-dot" aria-hidden /> {props.starting ? 'Starting…' : 'Start recording'}
        </button>
        <p className="rec-start-why" data-testid="record-start-why">
          {blocker ?? 'Ready. Press Start (or Enter), then move the robot through the task.'}
        </p>
      </div>
    </div>
  );
}

/** The previous choice, remembered on this device so the next shift starts where this one stopped. */
export function useRememberedChoice(): [RecordChoice, (c: RecordChoice) => void] {
  const [choice, setChoice] = useState<RecordChoice>(() => {
    try {
      const raw = localStorage.getItem('cellkit.record');
      const v = raw ? (JSON.parse(raw) as Partial<RecordChoice>) : {};
      return { dataset: typeof v.dataset === 'string' ? v.dataset : '', task: typeof v.task === 'string' ? v.task : '' };
    } catch {
      return { dataset: '', task: '' };
    }
  });
  useEffect(() => {
    try {
      localStorage.setItem('cellkit.record', JSON.stringify(choice));
    } catch {
      // Private mode: nothing remembered, nothing lost.
    }
  }, [choice]);
  return [choice, setChoice];
}
