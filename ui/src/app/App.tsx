/**
 * The page: the always-visible header (connection, safety mode, who has
 * control, E-STOP, problems), the tabs, and the current tab. Esc presses
 * the E-STOP from any tab.
 */
import { useEffect, useState } from 'react';
import { HeaderBar } from '../panels/HeaderBar.tsx';
import { ProblemBar } from '../panels/ProblemBar.tsx';
import { LivePage } from '../panels/LivePage.tsx';
import { ComingSoon } from '../panels/ComingSoon.tsx';
import { DatasetsPage } from '../panels/datasets/DatasetsPage.tsx';
import { TrainPage } from '../panels/training/TrainPage.tsx';
import { RecordPage } from '../panels/record/RecordPage.tsx';
import { DeployPage } from '../panels/deploy/DeployPage.tsx';
import { KEY_ESTOP } from '../teleop/shortcuts.ts';
import { useActions, useJog } from './CellContext.tsx';

const TABS = [
  { id: 'live', label: 'Live' },
  { id: 'record', label: 'Record' },
  { id: 'datasets', label: 'Datasets' },
  { id: 'train', label: 'Train' },
  { id: 'deploy', label: 'Deploy' },
] as const;
type TabId = (typeof TABS)[number]['id'];

const COMING: Record<Exclude<TabId, 'live'>, { title: string; what: string; who: string }> = {
  record: { title: 'Record demonstrations', what: 'Start and stop recordings of good demonstrations, and mark each one as a success or a failure.', who: 'the recorder' },
  datasets: { title: 'Datasets', what: 'Browse recorded episodes, watch them again, and remove bad ones.', who: 'the recorder' },
  train: { title: 'Train a skill', what: 'Teach the robot a skill from the recorded demonstrations.', who: 'the trainer' },
  deploy: { title: 'Run a skill', what: 'Run a trained skill on this cell, watch it, and take over at any moment.', who: 'the trainer' },
};

function tabFromHash(): TabId {
  const h = location.hash.replace(/^#\/?/, '');
  return (TABS.find((t) => t.id === h)?.id ?? 'live') as TabId;
}

export function App({ clientName }: { clientName: string }) {
  const [tab, setTab] = useState<TabId>(tabFromHash);
  const actions = useActions();
  const jog = useJog();

  useEffect(() => {
    const onHash = (): void => setTab(tabFromHash());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    // Changing tabs lets go of every jog input (Record and Deploy have the teleop panel too).
    jog.releaseAll();
  }, [tab, jog]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.code !== KEY_ESTOP.code || e.repeat) return;
      jog.releaseAll();
      actions.estop('Esc key');
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [actions, jog]);

  return (
    <div className="app">
      <HeaderBar clientName={clientName} />
      <ProblemBar />
      <nav className="tabs" role="tablist">
        {TABS.map((t) => (
          <a
            key={t.id}
            role="tab"
            aria-selected={tab === t.id}
            className={tab === t.id ? 'tab tab-active' : 'tab'}
            href={`#/${t.id}`}
            onClick={() => setTab(t.id)}
          >
            {t.label}
          </a>
        ))}
      </nav>
      <main className="page">{tab === 'live' ? <LivePage /> : tab === 'datasets' ? <DatasetsPage /> : tab === 'train' ? <TrainPage /> : tab === 'record' ? <RecordPage /> : <DeployPage />}</main>
    </div>
  );
}
