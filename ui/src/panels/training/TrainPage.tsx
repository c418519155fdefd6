/**
 * The Train tab: pick the demonstrations and the kind of skill, start, watch
 * progress and the loss curves, stop; below, every trained policy with its
 * evaluation. Training itself runs in a separate process on the bridge.
 *
 * The page owns its data source (the REST client) and store, as main.tsx
 * owns the cell's; panels below only use the hooks.
 */
import { useEffect, useState } from 'react';
import { TrainingContext } from '../../app/TrainingContext.tsx';
import { TrainingApi } from '../../data/training/TrainingApi.ts';
import { TrainingModel } from '../../data/training/TrainingModel.ts';
import { PolicyHistory } from './PolicyHistory.tsx';
import { TrainForm } from './TrainForm.tsx';
import { TrainMessage } from './TrainMessage.tsx';
import { TrainProgress } from './TrainProgress.tsx';
import './train.css';

function storedToken(): string | undefined {
  try {
    return localStorage.getItem('cellkit.token') ?? undefined;
  } catch {
    return undefined;
  }
}

export function TrainPage() {
  const [model] = useState(() => new TrainingModel({ api: new TrainingApi({ token: storedToken() }) }));
  useEffect(() => {
    void model.refresh();
    return () => model.close();
  }, [model]);
  return (
    <TrainingContext.Provider value={model}>
      <section className="tr" data-testid="train-page">
        <TrainMessage />
        <div className="tr-body">
          <TrainForm />
          <TrainProgress />
        </div>
        <PolicyHistory />
      </section>
    </TrainingContext.Provider>
  );
}
