/**
 * Labels of the replayed episode: outcome as three big buttons, the task and
 * notes, parts to leave out of training (marked at the replay cursor), and
 * "Move to trash" behind an inline confirmation. Greyed out with
 * a reason for a screen whose role may not change datasets.
 */
import { useEffect, useState } from 'react';
import { roleAllows } from '@cellkit/bridge/protocol';
import { useCell } from '../../app/CellContext.tsx';
import { useDatasets, useDatasetsModel, useReplayClock } from '../../app/DatasetsContext.tsx';
import type { EpisodeOutcomeLabel, EpisodeSummary } from '../../data/datasets/DatasetsApi.ts';
import { OUTCOME_TEXT } from './format.ts';
import { QualityBadges } from './EpisodeTable.tsx';

const OUTCOMES: { value: EpisodeOutcomeLabel; hint: string }[] = [
  { value: 'success', hint: 'the task was done well: train on it' },
  { value: 'failure', hint: 'the task failed: kept, but not imitated' },
  { value: 'discard', hint: 'something went wrong: leave it out of training' },
];

/** `replayStart`: the replay's time 0 on the streams' clock (spans are stored on that clock). */
export function EpisodeLabels({ episode, replayStart }: { episode: EpisodeSummary; replayStart: number }) {
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
      <ExcludedSpans episode={episode} replayStart={replayStart} disabled={disabled} />
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

const fmtT = (t: number): string => `${t.toFixed(2)} s`;

/**
 * The parts of the episode training leaves out, and a way to mark one: move the
 * replay cursor to where it starts, "From here", to where it ends, "To here",
 * say why, "Leave out". The recording itself is never changed.
 */
function ExcludedSpans({ episode, replayStart, disabled }: { episode: EpisodeSummary; replayStart: number; disabled: boolean }) {
  const model = useDatasetsModel();
  const clock = useReplayClock();
  const [from, setFrom] = useState<number | null>(null);
  const [to, setTo] = useState<number | null>(null);
  const [reason, setReason] = useState('');
  useEffect(() => {
    setFrom(null);
    setTo(null);
    setReason('');
  }, [episode.index]);
  const spans = episode.excluded;
  const ready = from !== null && to !== null && to > from && reason.trim() !== '';
  const save = async (next: EpisodeSummary['excluded']): Promise<boolean> => model.relabel(episode.index, { excluded: next });
  return (
    <div className="labels-row labels-excluded" data-testid="excluded-spans">
      <span className="labels-heading" title="Parts of this take a policy should not learn from, e.g. a slip you corrected by hand. The recording keeps them.">
        Leave out
      </span>
      <span className="excluded-list">
        {spans.length === 0 && <span className="excluded-none">nothing: every frame is used for training</span>}
        {spans.map((e, i) => (
          <span key={`${e.start}-${e.end}`} className="excluded-chip" data-testid={`excluded-span-${i}`}>
            {fmtT(e.start - replayStart)}–{fmtT(e.end - replayStart)} · {e.reason}
            <button className="excluded-remove" aria-label={`Use ${fmtT(e.start - replayStart)}–${fmtT(e.end - replayStart)} for training again`} disabled={disabled} onClick={() => void save(spans.filter((_, k) => k !== i))}>
              ×
            </button>
          </span>
        ))}
      </span>
      <span className="excluded-mark">
        <button className="btn" data-testid="excluded-from" disabled={disabled} onClick={() => setFrom(clock.t)}>
          From here{from !== null ? ` (${fmtT(from)})` : ''}
        </button>
        <button className="btn" data-testid="excluded-to" disabled={disabled} onClick={() => setTo(clock.t)}>
          To here{to !== null ? ` (${fmtT(to)})` : ''}
        </button>
        <input className="labels-input excluded-reason" data-testid="excluded-reason" value={reason} maxLength={200} placeholder="why, e.g. slipped, corrected by hand" disabled={disabled} onChange={(e) => setReason(e.target.value)} />
        <button
          className="btn"
          data-testid="excluded-add"
          disabled={disabled || !ready}
          title={ready ? 'leave this part out of training' : 'mark where it starts and ends (end after start) and say why'}
          onClick={() => {
            void save([...spans, { start: replayStart + from!, end: replayStart + to!, reason: reason.trim() }]).then((ok) => {
              if (!ok) return;
              setFrom(null);
              setTo(null);
              setReason('');
            });
          }}
        >
          Leave out
        </button>
      </span>
    </div>
  );
}
