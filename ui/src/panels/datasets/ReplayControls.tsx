/**
 * The one scrubber: play/pause, one frame back/forward (the first camera's
 * frames, else the plot grid), speed, and the time. The slider and time text
 * follow the clock imperatively on animation frames.
 */
import { useRef } from 'react';
import { useFrameLoop } from '../../app/CellContext.tsx';
import { useClockState, useReplayClock } from '../../app/DatasetsContext.tsx';
import type { EpisodeReplay } from '../../data/datasets/DatasetsApi.ts';
import { REPLAY_SPEEDS, frameAt } from '../../data/datasets/ReplayClock.ts';
import { formatClock } from './format.ts';

export function ReplayControls({ replay }: { replay: EpisodeReplay }) {
  const clock = useReplayClock();
  const playing = useClockState((c) => c.playing);
  const speed = useClockState((c) => c.speed);
  const sliderRef = useRef<HTMLInputElement>(null);
  const timeRef = useRef<HTMLSpanElement>(null);
  const seen = useRef(-1);
  const steps = replay.cameras[0]?.stamps ?? replay.t;

  useFrameLoop(() => {
    if (clock.version === seen.current) return;
    seen.current = clock.version;
    if (sliderRef.current) sliderRef.current.value = String(clock.t);
    if (timeRef.current) timeRef.current.textContent = `${formatClock(clock.t)} / ${formatClock(clock.duration)}`;
  });

  const step = (dir: 1 | -1): void => {
    clock.setPlaying(false);
    if (steps.length === 0) return;
    const k = frameAt(steps, clock.t);
    if (dir > 0) clock.seek(steps[Math.min(steps.length - 1, clock.t < steps[0]! ? 0 : k + 1)]!);
    else clock.seek(clock.t > steps[k]! + 1e-6 ? steps[k]! : steps[Math.max(0, k - 1)]!);
  };

  return (
    <div className="scrub" data-testid="scrubber">
      <button className="btn scrub-play" data-testid="replay-play" onClick={clock.toggle} aria-label={playing ? 'Pause' : 'Play'}>
        {playing ? '❚❚ Pause' : '▶ Play'}
      </button>
      <button className="btn scrub-step scrub-back" data-testid="replay-back" onClick={() => step(-1)} aria-label="One frame back" title="One frame back">
        ◀ 1
      </button>
      <button className="btn scrub-step scrub-fwd" data-testid="replay-forward" onClick={() => step(1)} aria-label="One frame forward" title="One frame forward">
        1 ▶
      </button>
      <input
        ref={sliderRef}
        className="scrub-range"
        type="range"
        min={0}
        max={replay.duration}
        step="any"
        defaultValue={0}
        data-testid="replay-slider"
        aria-label="Replay position"
        onInput={(e) => {
          clock.setPlaying(false);
          clock.seek(Number(e.currentTarget.value));
        }}
      />
      <span ref={timeRef} className="scrub-time" data-testid="replay-time">
        {formatClock(0)} / {formatClock(replay.duration)}
      </span>
      <div className="segmented segmented-small scrub-speed" role="group" aria-label="Speed">
        {REPLAY_SPEEDS.map((s) => (
          <button key={s} className={s === speed ? 'seg seg-on' : 'seg'} aria-pressed={s === speed} data-testid={`replay-speed-${s}`} onClick={() => clock.setSpeed(s)}>
            {s}×
          </button>
        ))}
      </div>
    </div>
  );
}
