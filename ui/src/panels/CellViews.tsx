/**
 * The row every operating page starts with: both camera views and the 3D arm
 * with its workspace box. Always two camera tiles, so the layout does not
 * depend on the cell (a missing camera gets a placeholder saying why).
 */
import { useCell } from '../app/CellContext.tsx';
import { ArmView } from './ArmView.tsx';
import { CameraView } from './CameraView.tsx';

const CAMERA_TITLES: Record<string, string> = { scene: 'Scene camera', wrist: 'Wrist camera' };

export function CellViews() {
  const cameras = useCell((s) => s.welcome?.cell.cameras ?? null);
  const workspace = useCell((s) => s.welcome?.limits.teleop.workspace);
  const shownCameras = (cameras ?? []).slice(0, 2);
  return (
    <div className="views">
      {shownCameras.map((c) => (
        <CameraView key={c} camera={c} title={CAMERA_TITLES[c] ?? `Camera ${c}`} />
      ))}
      {Array.from({ length: 2 - shownCameras.length }, (_, i) => (
        <figure className="tile camera" key={`none-${i}`}>
          <figcaption className="tile-title">Camera</figcaption>
          <div className="tile-body">
            <div className="tile-note">{cameras === null ? 'Waiting for the cell…' : 'This cell has no camera here.'}</div>
          </div>
        </figure>
      ))}
      <ArmView workspace={workspace} />
    </div>
  );
}
