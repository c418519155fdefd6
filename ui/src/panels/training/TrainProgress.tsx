/** The run in progress (or the last one): progress bar, epoch, loss, time left, what it learns from, loss curves, Stop; the failure with its tip. */
import { roleAllows } from '@cellkit/bridge/protocol';
import { useCell } from '../../app/CellContext.tsx';
import { useTraining, useTrainingModel } from '../../app/TrainingContext.tsx';
import { isRunning } from '../../data/training/TrainingModel.ts';
import { LossChart } from './LossChart.tsx';
import { POLICY_TEXT, formatEta, formatLoss, formatRate, formatRunSettings } from './trainFormat.ts';

export function TrainProgress() {
  const model = useTrainingModel();
  const job = useTraining((s) => s.job);
  const role = useCell((s) => s.welcome?.role ?? null);
  const allowed = role === null || roleAllows(role, 'control');
  if (!job) {
    return (
      <div className="tr-progress card tr-idle" data-testid="train-progress" data-state="idle">
        <h3>Progress</h3>
        <p className="tr-help">Pick the demonstrations and the kind of skill, then start. Progress, the time left and the loss curves show here.</p>
        <LossChart trainLoss={[]} valLoss={[]} epochs={10} />
      </div>
    );
  }
  const running = isRunning(job);
  const pct = Math.round(job.fraction * 100);
  const lastVal = [...job.valLoss].reverse().find((v) => v !== null) ?? null;
  const inEpoch = running && job.steps > 0 && job.step < job.steps;
  const current = inEpoch && job.loss !== null ? { x: job.epoch + job.step / job.steps, loss: job.loss } : null;
  const kind = job.policy in POLICY_TEXT ? POLICY_TEXT[job.policy as 'mlp' | 'chunk'].title : job.policy;
  return (
    <div className="tr-progress card" data-testid="train-progress" data-state={job.state}>
      <div className="tr-progress-head">
        <div>
          <h3>
            {job.name} <span className="tr-kind">{kind} · {job.dataset}</span>
          </h3>
          <p className="tr-stage" data-testid="train-stage">
            {job.stage}
          </p>
        </div>
        {running && (
          <button className="btn tr-stop" data-testid="train-stop" disabled={!allowed || job.stopRequested} onClick={() => void model.stop()}>
            {job.stopRequested ? 'Stopping…' : 'Stop'}
          </button>
        )}
      </div>
      <div className="tr-bar" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} data-testid="train-bar">
        <div className={`tr-bar-fill tr-bar-${job.state}`} style={{ width: `${job.state === 'failed' ? 100 : pct}%` }} />
      </div>
      <div className="tr-stats" data-testid="train-stats">
        <span>
          <b>Epoch</b> {Math.min(job.epochsDone + (running ? 1 : 0), Math.max(job.epochs, 1))} of {job.epochs || '…'}
        </span>
        <span>
          <b>Loss</b> {formatLoss(running ? job.loss : (job.trainLoss[job.trainLoss.length - 1] ?? null))}
        </span>
        <span>
          <b>Validation</b> {formatLoss(lastVal)}
        </span>
        {running && <span data-testid="train-eta">{formatEta(job.etaSec)}</span>}
        {running && job.samplesPerSec !== null && <span className="tr-muted">{formatRate(job.samplesPerSec)}</span>}
        {job.data && (
          <span className="tr-muted">
            {job.data.episodes.length} episode{job.data.episodes.length === 1 ? '' : 's'}, {job.data.frames} steps at {job.data.rate} Hz
          </span>
        )}
      </div>
      {job.settings && (
        <p className="tr-help tr-run-settings" data-testid="train-settings">
          {formatRunSettings(job.settings)}
        </p>
      )}
      {job.error && (
        <p className="tr-failed" role="alert" data-testid="train-failed">
          <strong>{job.error.message}</strong> <span>{job.error.tip}</span>
        </p>
      )}
      {job.state === 'stopped' && job.resumable && (
        <p className="tr-help">
          Stopped; the finished epochs are saved.{' '}
          <button className="btn btn-small" disabled={!allowed} onClick={() => void model.resume(job.name)}>
            Continue training
          </button>
        </p>
      )}
      <LossChart trainLoss={job.trainLoss} valLoss={job.valLoss} epochs={job.epochs} current={current} />
    </div>
  );
}
