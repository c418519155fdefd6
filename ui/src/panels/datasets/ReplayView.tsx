/**
 * Replay of one episode: both cameras and the plots follow one clock, moved
 * by one scrubber. New replay data resets the clock and starts a fresh frame
 * cache; the clock advances once per animation frame here, and each panel
 * reads it on its own frames.
 */
import { useEffect, useMemo } from 'react';
import { useFrameLoop } from '../../app/CellContext.tsx';
import { useDatasets, useDatasetsModel, useReplayClock } from '../../app/DatasetsContext.tsx';
import { FrameCache } from '../../data/datasets/FrameCache.ts';
import { EpisodeLabels } from './EpisodeLabels.tsx';
import { ReplayCamera } from './ReplayCamera.tsx';
import { ReplayControls } from './ReplayControls.tsx';
import { ReplayPlot } from './ReplayPlot.tsx';

const RAD_TO_DEG = 180 / Math.PI;

export function ReplayView() {
  const model = useDatasetsModel();
  const clock = useReplayClock();
  const replay = useDatasets((s) => s.replay);
  const loading = useDatasets((s) => s.replayLoading);
  const index = useDatasets((s) => s.episode);

  const cache = useMemo(() => {
    if (!replay) return null;
    const { dataset } = replay;
    const episode = replay.episode.index;
    return new FrameCache({ source: { frame: (camera, i, signal) => model.api.frame(dataset, episode, camera, i, signal) } });
  }, [replay?.dataset, replay?.episode.index, replay?.start, model]);
  useEffect(() => () => cache?.close(), [cache]);
  useEffect(() => {
    if (replay) clock.reset(replay.duration);
  }, [replay?.dataset, replay?.episode.index, replay?.start, clock]);

  useFrameLoop((now) => clock.tick(now));

  if (!replay || !cache) {
    return <div className="ds-placeholder">{loading ? `Opening episode ${index}…` : 'This episode could not be opened.'}</div>;
  }
  const series = (key: string) => replay.series.find((s) => s.key === key);
  const positions = series('observation.joint_position');
  const wrench = series('observation.wrench');
  const gripper = series('observation.gripper');
  return (
    <div className="replay" data-testid="replay" data-episode={replay.episode.index}>
      <div className="replay-title">
        <h2>
          Episode {replay.episode.index} <span className="replay-task">{replay.episode.task}</span>
        </h2>
      </div>
      <div className="replay-cameras">
        {replay.cameras.length === 0 && <div className="ds-placeholder">This episode has no camera pictures.</div>}
        {replay.cameras.map((c) => (
          <ReplayCamera key={c.name} camera={c.name} stamps={c.stamps} cache={cache} />
        ))}
      </div>
      <ReplayControls replay={replay} />
      {replay.excluded.length > 0 && (
        <div className="replay-excluded" data-testid="replay-excluded">
          <span className="replay-excluded-key" /> Shaded: {replay.excluded.reduce((s, e) => s + e.t1 - e.t0, 0).toFixed(1)} s left out of training ({[...new Set(replay.excluded.map((e) => e.reason))].join('; ')})
        </div>
      )}
      <div className="replay-plots">
        {positions && <ReplayPlot title="Joints" unit="°" t={replay.t} duration={replay.duration} series={positions} scale={RAD_TO_DEG} minSpan={10} excluded={replay.excluded} testId="plot-joints" />}
        {wrench && <ReplayPlot title="Force" unit="N" t={replay.t} duration={replay.duration} series={wrench} channels={[0, 1, 2]} minSpan={5} excluded={replay.excluded} testId="plot-force" />}
        {gripper && <ReplayPlot title="Gripper" unit="0 open … 1 closed" t={replay.t} duration={replay.duration} series={gripper} minSpan={0.2} excluded={replay.excluded} testId="plot-gripper" />}
      </div>
      <EpisodeLabels episode={replay.episode} replayStart={replay.start} />
    </div>
  );
}
