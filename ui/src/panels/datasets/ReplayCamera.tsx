/**
 * One camera of the replay. Each animation frame it picks the recorded frame
 * at the clock's time (the last one stamped at or before it), draws it when
 * decoded, and keeps the previous picture until then: no blank flashes, and
 * the canvas never changes size in the layout (CSS fixes its box).
 */
import { useMemo, useRef } from 'react';
import { useFrameLoop } from '../../app/CellContext.tsx';
import { useReplayClock } from '../../app/DatasetsContext.tsx';
import type { FrameCache } from '../../data/datasets/FrameCache.ts';
import { frameAt } from '../../data/datasets/ReplayClock.ts';

export function ReplayCamera({ camera, stamps, cache }: { camera: string; stamps: number[]; cache: FrameCache }) {
  const clock = useReplayClock();
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const noteRef = useRef<HTMLDivElement>(null);
  const drawn = useRef({ frame: -1, note: '\u0000' });
  // A gap is more than three usual frame periods without a picture.
  const gap = useMemo(() => {
    const periods = stamps.slice(1).map((s, i) => s - stamps[i]!).sort((a, b) => a - b);
    return 3 * (periods[periods.length >> 1] ?? 1 / 30);
  }, [stamps]);
  const title = `${camera[0]?.toUpperCase() ?? ''}${camera.slice(1)} camera`;

  useFrameLoop(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const s = drawn.current;
    const t = clock.t;
    const k = frameAt(stamps, t);
    let note = '';
    if (k < 0) {
      note = `The ${camera} camera recorded nothing in this episode.`;
    } else {
      const bitmap = cache.get(camera, k);
      if (bitmap && k !== s.frame) {
        if (canvas.width !== bitmap.width || canvas.height !== bitmap.height) {
          canvas.width = bitmap.width;
          canvas.height = bitmap.height;
        }
        canvas.getContext('2d')?.drawImage(bitmap, 0, 0);
        s.frame = k;
        canvas.dataset.frame = String(k);
      }
      if (clock.playing) cache.prefetch(camera, k + 1, 10, stamps.length - 1);
      const next = stamps[k + 1];
      if (t - stamps[k]! > gap && (next !== undefined || t < clock.duration)) note = `No picture here: the ${camera} camera dropped frames.`;
      else if (cache.failed(camera, k)) note = 'This picture could not be loaded.';
      else if (s.frame < 0) note = 'Loading picture…';
    }
    if (note !== s.note && noteRef.current) {
      s.note = note;
      noteRef.current.textContent = note;
      noteRef.current.hidden = note === '';
      canvas.classList.toggle('replay-canvas-stale', note !== '' && s.frame >= 0);
    }
  });

  return (
    <figure className="tile camera">
      <figcaption className="tile-title">{title}</figcaption>
      <div className="tile-body">
        <canvas ref={canvasRef} className="camera-canvas" data-testid={`replay-camera-${camera}`} data-frame="-1" width={640} height={480} />
        <div ref={noteRef} className="tile-note" hidden />
      </div>
    </figure>
  );
}
