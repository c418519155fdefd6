/**
 * Supervised takeovers as episodes: when an operator takes over, an episode
 * opens in the interventions dataset (task `intervention: <policy>`) and
 * closes when they hand back — the correction a later training run can learn
 * from. The recorded action is, as always, what the safety layer sent.
 * When an episode is already recording (the operator records the whole
 * session), the takeover is part of it and only the runner's status marks it.
 */
import type { RecordingPort } from '../recording/RecordingPort.ts';
import type { InterventionSink } from './PolicyRunner.ts';

export interface RecordInterventionsOptions {
  recording: RecordingPort;
  /** Dataset name under the bridge's data folder. Default `interventions`. */
  dataset?: string;
}

export function recordInterventions(opts: RecordInterventionsOptions): InterventionSink {
  const dataset = opts.dataset ?? 'interventions';
  let ours: Promise<unknown> | undefined;
  return {
    async begin({ policy, by }) {
      if (opts.recording.status().state !== 'idle') return undefined;
      const started = opts.recording.start({ dataset, task: `intervention: ${policy}`, operator: by, notes: `operator takeover of policy ${policy}` });
      ours = started;
      const status = await started;
      return status.episode === undefined ? undefined : { dataset, episode: status.episode };
    },
    async end({ policy, start, end }) {
      const mine = ours;
      ours = undefined;
      if (!mine) return;
      // Wait for the start to finish (a quick hand-back can beat the episode opening).
      await mine;
      await opts.recording.stop({ outcome: 'success', notes: `takeover of policy ${policy}, cell time ${start.toFixed(3)}–${end.toFixed(3)} s` });
    },
  };
}
