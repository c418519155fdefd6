/** The tool's pose as numbers (base frame), from the measured joints, written each frame. */
import { useRef } from 'react';
import { useCell, useFrameLoop, useTelemetry } from '../app/CellContext.tsx';
import { armModel } from '../kinematics/armModels.ts';
import { tcpPose } from '../kinematics/forwardKinematics.ts';

const DEG = 180 / Math.PI;
const FIELDS = [
  { label: 'X', unit: 'mm' },
  { label: 'Y', unit: 'mm' },
  { label: 'Z', unit: 'mm' },
  { label: 'Rx', unit: '°' },
  { label: 'Ry', unit: '°' },
  { label: 'Rz', unit: '°' },
];

export function TcpReadout() {
  const arm = useCell((s) => s.welcome?.cell.arm ?? null);
  const model = arm ? armModel(arm) : undefined;
  const toolOffset = useCell((s) => s.welcome?.limits.teleop.toolOffset);
  const telemetry = useTelemetry();
  const refs = useRef<(HTMLSpanElement | null)[]>([]);
  const q = useRef(new Float64Array(16));
  const shown = useRef<string[]>([]);
  useFrameLoop(() => {
    if (!model || !telemetry.positions.latest(q.current)) return;
    const p = tcpPose(model, q.current, toolOffset);
    const values = [...p.position.map((v) => v * 1000), ...p.rotationVector.map((v) => v * DEG)];
    values.forEach((v, i) => {
      const text = (Math.abs(v) < 0.05 ? 0 : v).toFixed(1);
      const el = refs.current[i];
      if (el && shown.current[i] !== text) {
        el.textContent = text;
        shown.current[i] = text;
      }
    });
  });
  return (
    <div className="tcp" data-testid="tcp">
      <span className="tcp-title">Tool position</span>
      {FIELDS.map((f, i) => (
        <span className="tcp-field" key={f.label}>
          <span className="tcp-label">{f.label}</span>
          <span className="tcp-value" ref={(el) => void (refs.current[i] = el)}>
            —
          </span>
          <span className="tcp-unit">{f.unit}</span>
        </span>
      ))}
    </div>
  );
}
