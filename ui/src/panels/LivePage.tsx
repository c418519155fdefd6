/**
 * The Live tab: both cameras and the 3D arm on top, the tool pose, then
 * scrolling plots; the teleop panel on the right (below on a portrait
 * tablet). Every tile has a fixed size, so streaming data never moves the
 * layout.
 */
import { useCell, useTelemetry } from '../app/CellContext.tsx';
import { CellViews } from './CellViews.tsx';
import { StripChart } from './StripChart.tsx';
import { TcpReadout } from './TcpReadout.tsx';
import { TeleopPanel } from './TeleopPanel.tsx';

const DEG = 180 / Math.PI;
export function LivePage() {
  const telemetry = useTelemetry();
  const joints = useCell((s) => s.welcome?.cell.jointNames.length ?? 6);
  const hasWrench = useCell((s) => s.welcome?.cell.hasWrench ?? true);
  // While not connected everything shown is old: dim it so nobody trusts it.
  const online = useCell((s) => s.link.state === 'open');
  const jointChannels = Array.from({ length: joints }, (_, i) => ({ index: i, label: `J${i + 1}` }));
  return (
    <div className="live">
      <div className={online ? 'live-main' : 'live-main live-stale'}>
        <CellViews />
        <TcpReadout />
        <div className="charts">
          <StripChart title="Joint positions" unit="°" series={() => telemetry.positions} channels={jointChannels} scale={DEG} minSpan={10} testId="chart-positions" />
          <StripChart title="Joint speeds" unit="°/s" series={() => telemetry.velocities} channels={jointChannels} scale={DEG} minSpan={10} testId="chart-velocities" />
          {hasWrench && (
            <StripChart
              title="Force at the wrist"
              unit="N"
              series={() => telemetry.wrench}
              channels={[
                { index: 0, label: 'Fx' },
                { index: 1, label: 'Fy' },
                { index: 2, label: 'Fz' },
              ]}
              minSpan={10}
              testId="chart-wrench"
            />
          )}
          {hasWrench && (
            <StripChart
              title="Torque at the wrist"
              unit="N·m"
              series={() => telemetry.wrench}
              channels={[
                { index: 3, label: 'Tx' },
                { index: 4, label: 'Ty' },
                { index: 5, label: 'Tz' },
              ]}
              minSpan={1}
              testId="chart-torque"
            />
          )}
        </div>
      </div>
      <TeleopPanel />
    </div>
  );
}
