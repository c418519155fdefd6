/**
 * One camera, drawn on a canvas of fixed size. Each animation frame it
 * looks at the latest JPEG for its camera; if it is new and no decode is
 * running, it decodes it off the main thread and draws it. Frames that
 * arrive during a decode are skipped (backpressure), never queued.
 */
import { useRef } from 'react';
import { useCameraFrames, useCell, useFrameLoop } from '../app/CellContext.tsx';

const STALE_MS = 2000;

export function CameraView({ camera, title }: { camera: string; title: string }) {
  const frames = useCameraFrames();
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const noteRef = useRef<HTMLDivElement>(null);
  const state = useRef({ seq: 0, decoding: false, drawn: 0, lastNewAt: 0, note: '' });
  const online = useCell((s) => s.link.state === 'open');

  useFrameLoop((now) => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const s = state.current;
    const f = frames.get(camera);
    if (f && f.seq !== s.seq && !s.decoding) {
      s.seq = f.seq;
      s.decoding = true;
      s.lastNewAt = now;
      createImageBitmap(new Blob([f.data as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' }))
        .then((bmp) => {
          draw(canvas, bmp);
          bmp.close();
          s.drawn++;
          canvas.dataset.frames = String(s.drawn);
        })
        .catch(() => {
          // A corrupt JPEG: keep the previous picture; the next frame will do.
        })
        .finally(() => {
          s.decoding = false;
        });
    }
    const note = !f
      ? `Waiting for the ${title.toLowerCase()} picture…`
      : !online
        ? 'Old picture — not connected to the cell'
        : now - s.lastNewAt > STALE_MS
          ? 'Picture frozen — the camera sent nothing new'
          : '';
    if (note !== s.note && noteRef.current) {
      s.note = note;
      noteRef.current.textContent = note;
      noteRef.current.hidden = note === '';
    }
  });

  return (
    <figure className="tile camera">
      <figcaption className="tile-title">{title}</figcaption>
      <div className="tile-body">
        <canvas ref={canvasRef} className="camera-canvas" data-testid={`camera-${camera}`} data-frames="0" width={640} height={480} />
        <div ref={noteRef} className="tile-note" />
      </div>
    </figure>
  );
}

/** Draws the picture scaled to fit, centred, on a canvas sized to the bitmap's aspect. */
function draw(canvas: HTMLCanvasElement, bmp: ImageBitmap): void {
  if (canvas.width !== bmp.width || canvas.height !== bmp.height) {
    canvas.width = bmp.width;
    canvas.height = bmp.height;
  }
  canvas.getContext('2d')?.drawImage(bmp, 0, 0);
}
