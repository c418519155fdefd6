/**
 * What to train: a dataset, a policy type in plain words, how long, and the
 * rest folded under "Advanced settings" with a line on each (the
 * researcher's inputs, outputs, schedule and policy options among them).
 * Defaults come from the bridge (the trainer's own); a refusal of the
 * settings shows beside the Start button.
 */
import { roleAllows } from '@cellkit/bridge/protocol';
import type { ReactNode } from 'react';
import { useCell } from '../../app/CellContext.tsx';
import { useTraining, useTrainingModel } from '../../app/TrainingContext.tsx';
import type { PolicyType } from '../../data/training/TrainingApi.ts';
import { isRunning, type Outcome, type TrainForm as Form } from '../../data/training/TrainingModel.ts';
import { ResearchSettings } from './ResearchSettings.tsx';
import { POLICY_TEXT } from './trainFormat.ts';

const OUTCOMES: { id: Outcome; text: string }[] = [
  { id: 'success', text: 'Successes' },
  { id: 'failure', text: 'Failures' },
  { id: 'unlabeled', text: 'Not labelled' },
];

function NumberField(props: { label: string; help: string; value: number; min?: number; max?: number; step?: number; testId: string; disabled: boolean; onChange: (v: number) => void }) {
  return (
    <label className="tr-field">
      <span className="tr-label">{props.label}</span>
      <input
        type="number"
        className="tr-input"
        data-testid={props.testId}
        value={Number.isFinite(props.value) ? props.value : ''}
        min={props.min}
        max={props.max}
        step={props.step ?? 1}
        disabled={props.disabled}
        onChange={(e) => props.onChange(e.target.valueAsNumber)}
      />
      <span className="tr-help">{props.help}</span>
    </label>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="tr-section">
      <h3>{title}</h3>
      {children}
    </div>
  );
}

export function TrainForm() {
  const model = useTrainingModel();
  const datasets = useTraining((s) => s.datasets);
  const form = useTraining((s) => s.form);
  const busy = useTraining((s) => s.busy);
  const refused = useTraining((s) => s.formProblem);
  const running = useTraining((s) => isRunning(s.job));
  const role = useCell((s) => s.welcome?.role ?? null);
  const allowed = role === null || roleAllows(role, 'control');
  const set = (patch: Partial<Form>): void => model.setForm(patch);
  const chosen = datasets?.find((d) => d.name === form.dataset) ?? null;
  const hasCameras = (chosen?.cameras.length ?? 0) > 0;
  const locked = running || busy || !allowed;
  const learnable = chosen ? form.outcomes.reduce((n, o) => n + (chosen.outcomes[o] ?? 0), 0) : 0;

  return (
    <div className="tr-form card" data-testid="train-form">
      <Section title="1. Demonstrations to learn from">
        {datasets === null ? (
          <p className="tr-help">Loading datasets…</p>
        ) : datasets.length === 0 ? (
          <p className="tr-help" data-testid="train-no-datasets">No datasets yet. Record demonstrations on the Record tab first.</p>
        ) : (
          <div className="tr-choices" role="radiogroup" aria-label="Dataset">
            {datasets.map((d) => (
              <button
                key={d.name}
                role="radio"
                aria-checked={d.name === form.dataset}
                className={d.name === form.dataset ? 'tr-choice tr-choice-on' : 'tr-choice'}
                data-testid={`train-dataset-${d.name}`}
                disabled={locked}
                onClick={() => set({ dataset: d.name, ...(d.cameras.length === 0 && form.policy === 'chunk' ? { policy: 'mlp' as PolicyType } : {}) })}
              >
                <span className="tr-choice-title">{d.name}</span>
                <span className="tr-choice-detail">
                  {d.episodes} episode{d.episodes === 1 ? '' : 's'} · {d.outcomes.success} successful · {d.cameras.length > 0 ? `cameras: ${d.cameras.join(', ')}` : 'no cameras'}
                </span>
              </button>
            ))}
          </div>
        )}
        {chosen && learnable === 0 && (
          <p className="tr-warn" data-testid="train-no-successes">
            This dataset has no {form.outcomes.length === 1 && form.outcomes[0] === 'success' ? 'successful' : 'selected'} episodes to learn from. Label good demonstrations as success on the Datasets tab.
          </p>
        )}
      </Section>

      <Section title="2. Kind of skill">
        <div className="tr-choices tr-choices-two" role="radiogroup" aria-label="Policy type">
          {(['mlp', 'chunk'] as const).map((p) => {
            const noCams = p === 'chunk' && chosen !== null && !hasCameras;
            return (
              <button
                key={p}
                role="radio"
                aria-checked={form.policy === p}
                className={form.policy === p ? 'tr-choice tr-choice-on' : 'tr-choice'}
                data-testid={`train-policy-${p}`}
                disabled={locked || noCams}
                onClick={() => set({ policy: p })}
              >
                <span className="tr-choice-title">{POLICY_TEXT[p].title}</span>
                <span className="tr-choice-what">{noCams ? 'Needs a dataset recorded with cameras.' : POLICY_TEXT[p].what}</span>
              </button>
            );
          })}
        </div>
      </Section>

      <Section title="3. How long">
        <NumberField
          label="Epochs"
          testId="train-epochs"
          help="How many times training goes through all the demonstrations. More can learn better but takes longer; it stops by itself when it stops improving."
          value={form.epochs}
          min={1}
          max={10000}
          disabled={locked}
          onChange={(v) => set({ epochs: v })}
        />
      </Section>

      <details className="tr-advanced" data-testid="train-advanced">
        <summary>Advanced settings</summary>
        <div className="tr-grid">
          <label className="tr-field">
            <span className="tr-label">Name</span>
            <input className="tr-input" data-testid="train-name" placeholder={`${form.dataset ?? 'dataset'}-${form.policy}`} value={form.name} disabled={locked} onChange={(e) => set({ name: e.target.value })} />
            <span className="tr-help">The policy’s folder name, shown on the Deploy tab. Empty: dataset and kind, numbered if taken.</span>
          </label>
          <div className="tr-field">
            <span className="tr-label">Learn from</span>
            <span className="tr-checks">
              {OUTCOMES.map((o) => (
                <label key={o.id} className="tr-check">
                  <input
                    type="checkbox"
                    checked={form.outcomes.includes(o.id)}
                    disabled={locked || (form.outcomes.length === 1 && form.outcomes[0] === o.id)}
                    onChange={(e) => set({ outcomes: e.target.checked ? [...form.outcomes, o.id] : form.outcomes.filter((x) => x !== o.id) })}
                  />
                  {o.text}
                </label>
              ))}
            </span>
            <span className="tr-help">Which labelled episodes to copy. Usually only the successes.</span>
          </div>
          <NumberField label="Batch size" testId="train-batch" help="Snippets of demonstration per learning step. Smaller uses less memory." value={form.batchSize} min={1} max={4096} disabled={locked} onChange={(v) => set({ batchSize: v })} />
          <NumberField label="Learning rate" testId="train-lr" help="How big each learning step is. Lower it if the loss jumps around." value={form.learningRate} min={0.00001} max={0.1} step={0.0001} disabled={locked} onChange={(v) => set({ learningRate: v })} />
          <NumberField label="Rate (Hz)" testId="train-rate" help="How many times a second the skill decides its next move." value={form.rate} min={1} max={100} disabled={locked} onChange={(v) => set({ rate: v })} />
          <NumberField label="Held out for checking" testId="train-val" help="Share of episodes kept aside to measure the validation loss (0.1 = one in ten)." value={form.validationFraction} min={0} max={0.9} step={0.05} disabled={locked} onChange={(v) => set({ validationFraction: v })} />
          <NumberField label="Patience (epochs)" testId="train-patience" help="Stop early after this many epochs without a better validation loss. 0 = never." value={form.patience} min={0} max={10000} disabled={locked} onChange={(v) => set({ patience: v })} />
          <NumberField label="Seed" testId="train-seed" help="Same seed and data, same result. Change it to try another start." value={form.seed} disabled={locked} onChange={(v) => set({ seed: v })} />
          {form.policy === 'chunk' && (
            <>
              <NumberField label="Steps planned at once" testId="train-horizon" help="Moves the vision skill plans per decision; more is smoother, less reacts faster." value={form.horizon} min={1} max={200} disabled={locked} onChange={(v) => set({ horizon: v })} />
              <NumberField label="Image width (px)" testId="train-image-w" help="Camera images are shrunk to this before learning; bigger is slower." value={form.imageWidth} min={8} max={512} disabled={locked} onChange={(v) => set({ imageWidth: v })} />
              <NumberField label="Image height (px)" testId="train-image-h" help="Keep the camera’s shape (e.g. 96 × 96 or 128 × 96)." value={form.imageHeight} min={8} max={512} disabled={locked} onChange={(v) => set({ imageHeight: v })} />
            </>
          )}
        </div>
        <ResearchSettings locked={locked} />
        <button className="btn btn-small" disabled={locked} onClick={model.resetAdvanced}>
          Back to the defaults
        </button>
      </details>

      {refused && (
        <p className="tr-refused" role="alert" data-testid="train-form-problem" data-code={refused.code}>
          <strong>{refused.message}</strong>
          <span>{refused.tip}</span>
        </p>
      )}
      <div className="tr-start">
        <button className="btn btn-take btn-big" data-testid="train-start" disabled={locked || form.dataset === null || learnable === 0} onClick={() => void model.start()}>
          {busy ? 'Starting…' : 'Start training'}
        </button>
        <span className="tr-help">
          {!allowed ? 'This screen is for watching: ask an operator to start training.' : running ? 'One run at a time: wait for the current run to finish, or stop it.' : 'Training runs on the bridge computer in the background; the robot keeps working.'}
        </span>
      </div>
    </div>
  );
}
