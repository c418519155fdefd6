/**
 * Labels of the replayed episode: outcome as three big buttons, the task and
 * notes, and "Move to trash" behind an inline confirmation. Greyed out with
 * a reason for a screen whose role may not change datasets.
 */
import { useEffect, useState } from 'react';
import { roleAllows } from '@cellkit/bridge/protocol';
import { useCell } from '../../app/CellContext.tsx';
import { useDatasets, useDatasetsModel } from '../../app/DatasetsContext.tsx';
import type { EpisodeOutcomeLabel, EpisodeSummary } from '../../data/datasets/DatasetsApi.ts';
import { OUTCOME_TEXT } from './format.ts';
import { QualityBadges } from './EpisodeTable.tsx';

const OUTCOMES: { value: EpisodeOutcomeLabel; hint: string }[] = [
  { value: 'success', hint: 'the task was done well: train on it' },
  { value: 'failure', hint: 'the task failed: kept, but not imitated' },
  { value: 'discard', hint: 'something went wrong: leave it out of training' },
];

export function EpisodeLabels({ episode }: { episode: EpisodeSummary }) {
  const model = useDatasetsModel();
  const busy = useDatasets((s) => s.busy);
  const role = useCell((s) => s.welcome?.role ?? null);
  // Before the socket says who we are, let the bridge decide (it checks every change).
  const allowed = role === null || roleAllows(role, 'control');
  const [task, setTask] = useState(episode.task);
  const [notes, setNotes] = useState(episode.notes);
  const [confirming, setConfirming] = useState(false);
  useEffect(() => {
    setTask(episode.task);
    setNotes(episode.notes);
    setConfirming(false);
  }, [episode.index, episode.task, episode.notes]);
  const dirty = task.trim() !== episode.task || notes !== episode.notes;
  const disabled = !allowed || busy;

  return (
    <div className="labels card" data-testid="episode-labels">
      {!allowed && <p className="labels-note">This screen is for watching: ask an operator to change labels.</p>}
      <div className="labels-row">
        <span className="labels-heading">Result</span>
        <div className="labels-outcomes" role="group" aria-label="Result">
          {OUTCOMES.map((o) => (
            <button
              key={o.value}
              className={`btn outcome-btn outcome-btn-${o.value}${episode.outcome === o.value ? ' outcome-btn-on' : ''}`}
              aria-pressed={episode.outcome === o.value}
              data-testid={`outcome-${o.value}`}
              title={o.hint}
              disabled={disabled}
              onClick={() => void model.relabel(episode.index, { outcome: o.value })}
            >
              {OUTCOME_TEXT[o.value]}
            </button>
          ))}
        </div>
      </div>
      <div className="labels-row">
        <label className="labels-heading" htmlFor="episode-task">
          Task
        </label>
        <input id="episode-task" className="labels-input" data-testid="episode-task" value={task} maxLength={200} disabled={!allowed} onChange={(e) => setTask(e.target.value)} />
      </div>
      <div className="labels-row">
        <label className="labels-heading" htmlFor="episode-notes">
          Notes
        </label>
        <input id="episode-notes" className="labels-input" data-testid="episode-notes" value={notes} maxLength={2000} placeholder="anything worth knowing about this take" disabled={!allowed} onChange={(e) => setNotes(e.target.value)} />
        <button
          className="btn"
          data-testid="episode-save"
          disabled={disabled || !dirty || task.trim() === ''}
          onClick={() => void model.relabel(episode.index, { task: task.trim(), notes })}
        >
          Save
        </button>
      </div>
      <div className="labels-row labels-bottom">
        <span className="labels-heading">Quality</span>
        <QualityBadges episode={episode} />
        <span className="labels-spacer" />
        {confirming ? (
          <span className="labels-confirm" data-testid="delete-confirm">
            Move episode {episode.index} to the trash?
            <button className="btn btn-danger" data-testid="delete-yes" disabled={disabled} onClick={() => void model.remove(episode.index)}>
              Yes, move to trash
            </button>
            <button className="btn" onClick={() => setConfirming(false)}>
              Keep it
            </button>
          </span>
        ) : (
          <button className="btn" data-testid="episode-delete" disabled={disabled} onClick={() => setConfirming(true)}>
            Move to trash…
          </button>
        )}
      </div>
    </div>
  );
}
