/**
 * The Datasets tab: choose a dataset, see its episodes, replay one (cameras
 * and plots under one scrubber), relabel it, move it to the trash, and
 * export the dataset for training elsewhere (LeRobot).
 *
 * The page owns its data source (the REST client), store and replay clock,
 * as main.tsx owns the cell's; panels below only use the hooks.
 */
import { useEffect, useState } from 'react';
import { DatasetsContext, useDatasets, useDatasetsModel } from '../../app/DatasetsContext.tsx';
import { DatasetsApi } from '../../data/datasets/DatasetsApi.ts';
import { DatasetsModel } from '../../data/datasets/DatasetsModel.ts';
import { ReplayClock } from '../../data/datasets/ReplayClock.ts';
import { DatasetMessage } from './DatasetMessage.tsx';
import { EpisodeTable } from './EpisodeTable.tsx';
import { ExportPanel } from './ExportPanel.tsx';
import { ReplayView } from './ReplayView.tsx';
import { formatDuration } from './format.ts';
import './datasets.css';

function storedToken(): string | undefined {
  try {
    return localStorage.getItem('cellkit.token') ?? undefined;
  } catch {
    return undefined;
  }
}

export function DatasetsPage() {
  const [value] = useState(() => ({ model: new DatasetsModel({ api: new DatasetsApi({ token: storedToken() }) }), clock: new ReplayClock() }));
  useEffect(() => {
    void value.model.refresh();
    return () => value.model.close();
  }, [value]);
  return (
    <DatasetsContext.Provider value={value}>
      <DatasetsLayout />
    </DatasetsContext.Provider>
  );
}

function DatasetsLayout() {
  const datasets = useDatasets((s) => s.datasets);
  const episode = useDatasets((s) => s.episode);
  return (
    <section className="ds" data-testid="datasets-page">
      <DatasetChooser />
      <DatasetMessage />
      {datasets === null ? (
        <p className="ds-empty">Loading datasets…</p>
      ) : datasets.length === 0 ? (
        <div className="ds-empty" data-testid="datasets-empty">
          <h2>No datasets yet</h2>
          <p>Record demonstrations on the Record tab. Each recording session is saved as a dataset and shows up here.</p>
        </div>
      ) : (
        <div className="ds-body">
          <div className="ds-left">
            <EpisodeTable />
            <ExportPanel />
          </div>
          <div className="ds-right">{episode === null ? <ReplayPlaceholder /> : <ReplayView />}</div>
        </div>
      )}
    </section>
  );
}

function DatasetChooser() {
  const model = useDatasetsModel();
  const datasets = useDatasets((s) => s.datasets);
  const selected = useDatasets((s) => s.selected);
  return (
    <div className="ds-chooser" role="tablist" aria-label="Datasets">
      {(datasets ?? []).map((d) => (
        <button
          key={d.name}
          role="tab"
          aria-selected={d.name === selected}
          className={d.name === selected ? 'ds-card ds-card-on' : 'ds-card'}
          data-testid={`dataset-${d.name}`}
          onClick={() => void model.selectDataset(d.name)}
        >
          <span className="ds-card-name">{d.name}</span>
          <span className="ds-card-detail">
            {d.episodes} episode{d.episodes === 1 ? '' : 's'} · {formatDuration(d.duration)} · robot {d.robot}
          </span>
          <span className="ds-card-detail">{d.tasks.join(' · ') || 'no task yet'}</span>
        </button>
      ))}
      <button className="btn ds-refresh" onClick={() => void model.refresh()}>
        Refresh
      </button>
    </div>
  );
}

function ReplayPlaceholder() {
  const selected = useDatasets((s) => s.selected);
  return (
    <div className="ds-placeholder">
      {selected ? 'Choose an episode on the left to watch it again.' : 'Choose a dataset above.'}
    </div>
  );
}
