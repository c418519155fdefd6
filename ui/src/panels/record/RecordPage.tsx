/**
 * The Record tab: the cameras and the 3D arm on top, the recording card
 * below (choose dataset and task → Start → outcome buttons), and the same
 * teleop panel as the Live tab on the right, because the operator drives
 * the robot while recording. Keys: Enter starts, 1 / 2 / 3 stop with
 * Success / Failure / Discard (never while typing in a field).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { RecordStopMessage } from '@cellkit/bridge/protocol';
import { useActions, useCell } from '../../app/CellContext.tsx';
import { DatasetsApi, DatasetsApiError, type DatasetSummary } from '../../data/datasets/DatasetsApi.ts';
import { lastEpisodeText } from '../../data/recording/recordingFormat.ts';
import { CellViews } from '../CellViews.tsx';
import { FeedbackLine } from '../FeedbackLine.tsx';
import { TeleopPanel } from '../TeleopPanel.tsx';
import { useFeedback } from '../useFeedback.ts';
import { OUTCOME_KEYS, RecordingLive } from './RecordingLive.tsx';
import { RecordSetup, useRememberedChoice, useStartBlocker } from './RecordSetup.tsx';
import './record.css';

function storedToken(): string | undefined {
  try {
    return localStorage.getItem('cellkit.token') ?? undefined;
  } catch {
    return undefined;
  }
}

/** The bridge's datasets, fetched on open and again after every episode closes. */
function useDatasetList(refreshKey: string): { datasets: DatasetSummary[] | null; error: string | null } {
  const [api] = useState(() => new DatasetsApi({ token: storedToken() }));
  const [state, setState] = useState<{ datasets: DatasetSummary[] | null; error: string | null }>({ datasets: null, error: null });
  useEffect(() => {
    let live = true;
    api.list().then(
      (r) => live && setState({ datasets: r.datasets, error: null }),
      (e: unknown) => live && setState((s) => ({ datasets: s.datasets, error: e instanceof DatasetsApiError ? `${e.message}. ${e.tip}` : 'Could not list the datasets.' })),
    );
    return () => {
      live = false;
    };
  }, [api, refreshKey]);
  return state;
}

const typingIn = (t: EventTarget | null): boolean => {
  const el = t as HTMLElement | null;
  return !!el && ((el.tagName === 'INPUT' && (el as HTMLInputElement).type !== 'range') || el.tagName === 'TEXTAREA' || el.isContentEditable);
};

export function RecordPage() {
  const actions = useActions();
  const rec = useCell((s) => s.recording);
  const online = useCell((s) => s.link.state === 'open');
  const [choice, setChoice] = useRememberedChoice();
  const [notes, setNotes] = useState('');
  const [starting, setStarting] = useState(false);
  const feedback = useFeedback('record');
  const lastKey = rec?.last ? `${rec.last.dataset}/${rec.last.episode}/${rec.last.outcome}` : '';
  const { datasets, error } = useDatasetList(lastKey);
  const blocker = useStartBlocker(choice);
  const active = rec !== null && rec.state !== 'idle';

  // "Starting…" until the bridge answers with a recording state or an error.
  useEffect(() => {
    if (active || feedback) setStarting(false);
  }, [active, feedback]);

  const start = useCallback(() => {
    if (blocker !== undefined || active) return;
    setNotes('');
    if (actions.recordStart(choice.dataset, choice.task.trim())) setStarting(true);
  }, [actions, blocker, active, choice]);

  const stop = useCallback((outcome: RecordStopMessage['outcome']) => actions.recordStop(outcome, notes.trim() || undefined), [actions, notes]);

  const keys = useRef({ start, stop, active, stopping: rec?.state === 'stopping' });
  keys.current = { start, stop, active, stopping: rec?.state === 'stopping' };
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.repeat || e.ctrlKey || e.metaKey || e.altKey) return;
      const k = keys.current;
      if (e.code === 'Enter' || e.code === 'NumpadEnter') {
        // Enter on a focused button is that button's own click; in a text field it means "start".
        const el = e.target as HTMLElement | null;
        if (k.active || el?.tagName === 'BUTTON' || el?.tagName === 'TEXTAREA') return;
        e.preventDefault();
        k.start();
        return;
      }
      if (!k.active || k.stopping || typingIn(e.target)) return;
      const o = OUTCOME_KEYS.find((x) => x.code === e.code || x.code === e.code.replace('Numpad', 'Digit'));
      if (o) {
        e.preventDefault();
        k.stop(o.outcome);
      }
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);

  return (
    <div className="live rec-page" data-testid="record-page">
      <div className={online ? 'live-main' : 'live-main live-stale'}>
        <CellViews />
        <section className={active ? 'card rec-card rec-card-on' : 'card rec-card'} data-testid="record-card">
          {active ? (
            <RecordingLive rec={rec} notes={notes} onNotes={setNotes} onStop={stop} />
          ) : (
            <RecordSetup datasets={datasets} listError={error} choice={choice} onChange={setChoice} onStart={start} starting={starting} />
          )}
          {!active && rec?.last && (
            <div className={rec.last.error ? 'rec-last rec-last-bad' : 'rec-last'} data-testid="record-last" role="status">
              {lastEpisodeText(rec.last)} {!rec.last.error && 'Find it on the Datasets tab.'}
            </div>
          )}
          {!active &&
            rec?.problems.map((p) => (
              <div key={p.code} className={`rec-warning rec-warning-${p.severity}`} role="alert" data-testid="record-problem">
                <span className="rec-warning-icon">!</span>
                <span>
                  <b>{p.message}</b> {p.tip}
                </span>
              </div>
            ))}
          <FeedbackLine feedback={feedback} testId="record-feedback" />
          <p className="rec-keys" data-testid="record-keys">
            Keys: <kbd>Enter</kbd> start · <kbd>1</kbd> Success · <kbd>2</kbd> Failure · <kbd>3</kbd> Discard · <kbd>Q</kbd>…<kbd>Y</kbd> / <kbd>A</kbd>…
            <kbd>H</kbd> jog · <kbd>O</kbd>/<kbd>C</kbd> gripper · <kbd>Esc</kbd> E-STOP
          </p>
        </section>
      </div>
      <TeleopPanel />
    </div>
  );
}
