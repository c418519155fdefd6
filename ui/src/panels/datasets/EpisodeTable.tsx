/** A dataset's episodes: task, outcome (coloured), length, quality in plain words. A row opens the replay. */
import { useDatasets, useDatasetsModel } from '../../app/DatasetsContext.tsx';
import type { EpisodeSummary } from '../../data/datasets/DatasetsApi.ts';
import { OUTCOME_TEXT, formatDuration, formatWhen } from './format.ts';

export function OutcomePill({ outcome }: { outcome: EpisodeSummary['outcome'] }) {
  const key = outcome ?? 'none';
  return <span className={`outcome outcome-${key}`}>{OUTCOME_TEXT[key]}</span>;
}

export function QualityBadges({ episode }: { episode: EpisodeSummary }) {
  if (episode.badges.length === 0) return <span className="quality-ok">Looks fine</span>;
  return (
    <span className="quality-list">
      {episode.badges.map((b) => (
        <span key={b.code} className={`quality quality-${b.severity}`} title={b.tip}>
          {b.text}
        </span>
      ))}
    </span>
  );
}

export function EpisodeTable() {
  const model = useDatasetsModel();
  const selected = useDatasets((s) => s.selected);
  const episodes = useDatasets((s) => s.episodes);
  const current = useDatasets((s) => s.episode);
  if (!selected) return null;
  if (episodes === null) return <p className="ds-empty-small">Loading episodes…</p>;
  if (episodes.length === 0) return <p className="ds-empty-small">No episodes in {selected} yet. Recordings show up here when they stop.</p>;
  return (
    <div className="ep-table-wrap">
      <table className="ep-table" data-testid="episode-table">
        <thead>
          <tr>
            <th>#</th>
            <th>Task</th>
            <th>Result</th>
            <th>Length</th>
            <th>Quality</th>
          </tr>
        </thead>
        <tbody>
          {episodes.map((e) => (
            <tr
              key={e.index}
              className={e.index === current ? 'ep-row ep-row-on' : 'ep-row'}
              data-testid={`episode-row-${e.index}`}
              aria-selected={e.index === current}
              tabIndex={0}
              onClick={() => e.status !== 'recording' && void model.selectEpisode(e.index)}
              onKeyDown={(ev) => {
                if ((ev.key === 'Enter' || ev.key === ' ') && e.status !== 'recording') {
                  ev.preventDefault();
                  void model.selectEpisode(e.index);
                }
              }}
            >
              <td className="ep-index">{e.index}</td>
              <td>
                <span className="ep-task" title={e.task}>
                  {e.task}
                </span>
                <span className="ep-when">{formatWhen(e.startTime)}{e.operator ? ` · ${e.operator}` : ''}</span>
              </td>
              <td>
                <OutcomePill outcome={e.outcome} />
              </td>
              <td className="ep-len">{formatDuration(e.duration)}</td>
              <td className="ep-quality">
                <QualityBadges episode={e} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
