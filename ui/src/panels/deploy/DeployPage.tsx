/**
 * The Deploy tab: the cameras and the 3D arm on top, the policy card
 * (choose, mode, speed, start/stop, what it is doing), predicted vs
 * executed joint velocities (canvas plots from the PolicyTrace ring
 * buffers), and the teleop panel on the right — in supervised mode any jog
 * or Take control takes over from the policy.
 */
import { useCell, usePolicyTrace } from '../../app/CellContext.tsx';
import { CellViews } from '../CellViews.tsx';
import { FeedbackLine } from '../FeedbackLine.tsx';
import { SERIES_COLORS, StripChart } from '../StripChart.tsx';
import { TeleopPanel } from '../TeleopPanel.tsx';
import { useFeedback } from '../useFeedback.ts';
import { PolicyControls } from './PolicyControls.tsx';
import { PolicyStatus, PolicyStopReason } from './PolicyStatus.tsx';
import '../record/record.css';
import './deploy.css';

const DEG = 180 / Math.PI;
const JOINT_LABELS = ['Base', 'Shoulder', 'Elbow', 'Wrist 1', 'Wrist 2', 'Wrist 3'];

export function DeployPage() {
  const trace = usePolicyTrace();
  const joints = useCell((s) => s.welcome?.cell.jointNames.length ?? 6);
  const online = useCell((s) => s.link.state === 'open');
  const feedback = useFeedback('policy');
  // A refusal belongs to the attempt before this run: once a policy runs, it is old news.
  const running = useCell((s) => s.policy?.state === 'running' || s.policy?.state === 'intervened' || s.policy?.state === 'paused');
  return (
    <div className="live dep-page" data-testid="deploy-page">
      <div className={online ? 'live-main' : 'live-main live-stale'}>
        <CellViews />
        <section className={running ? 'card dep-card dep-card-running' : 'card dep-card dep-card-idle'} data-testid="deploy-card">
          <PolicyStopReason />
          <PolicyControls />
          <div className="dep-right">
            <PolicyStatus />
            <FeedbackLine feedback={running ? undefined : feedback} testId="deploy-feedback" />
          </div>
        </section>
        <div className="dep-charts-head">
          <h3>Joint speeds</h3>
          <span className="legend-item">
            <i style={{ background: SERIES_COLORS[0] }} />
            predicted by the policy (before the speed setting)
          </span>
          <span className="legend-item">
            <i style={{ background: SERIES_COLORS[1] }} />
            sent to the robot (nothing from the policy in Shadow)
          </span>
        </div>
        <div className="charts dep-charts" data-testid="deploy-charts">
          {Array.from({ length: joints }, (_, j) => (
            <StripChart
              key={j}
              title={`J${j + 1} ${JOINT_LABELS[j] ?? ''}`}
              unit="°/s"
              series={() => trace.series}
              channels={[
                { index: j, label: 'predicted' },
                { index: joints + j, label: 'sent to robot' },
              ]}
              scale={DEG}
              windowSeconds={20}
              minSpan={5}
              testId={`deploy-chart-${j}`}
            />
          ))}
        </div>
      </div>
      <TeleopPanel />
    </div>
  );
}
