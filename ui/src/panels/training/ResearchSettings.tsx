/**
 * The researcher's part of the Advanced settings: what the skill sees (state
 * inputs), what it outputs (joint speeds or targets), the learning-rate
 * schedule, and the policy's hyperparameters as name = value rows. The
 * inputs start as the kind of skill's default (the vision skill leaves joint
 * positions out) until the person changes them. The
 * choices and each policy's option names with their defaults come from the
 * bridge (GET /api/training/defaults); the bridge checks the values and its
 * refusal shows beside the Start button.
 */
import { useTraining, useTrainingModel } from '../../app/TrainingContext.tsx';
import type { ActionKind, LrSchedule, StateInput } from '../../data/training/TrainingApi.ts';
import type { OptionRow } from '../../data/training/TrainingModel.ts';
import { ACTION_TEXT, SCHEDULE_TEXT, STATE_TEXT } from './trainFormat.ts';

const titleOf = <K extends string>(table: Record<K, { title: string; hint: string }>, key: K): { title: string; hint: string } =>
  table[key] ?? { title: key, hint: '' };

export function ResearchSettings({ locked }: { locked: boolean }) {
  const model = useTrainingModel();
  const defaults = useTraining((s) => s.defaults);
  const form = useTraining((s) => s.form);
  const set = model.setForm;
  const stateInputs = defaults?.stateInputs ?? (Object.keys(STATE_TEXT) as StateInput[]);
  const actions = defaults?.actions ?? (Object.keys(ACTION_TEXT) as ActionKind[]);
  const schedules = defaults?.lrSchedules ?? (Object.keys(SCHEDULE_TEXT) as LrSchedule[]);
  const optionDefaults = defaults?.policies.find((p) => p.name === form.policy)?.options ?? {};
  const optionNames = Object.keys(optionDefaults);
  const setRow = (i: number, patch: Partial<OptionRow>): void => set({ options: form.options.map((r, k) => (k === i ? { ...r, ...patch } : r)) });
  const unused = optionNames.filter((n) => !form.options.some((r) => r.name === n));

  return (
    <div className="tr-research" data-testid="train-research">
      <h4 className="tr-subhead">What the skill sees and does</h4>
      <fieldset className="tr-field tr-fieldset">
        <legend className="tr-label">Inputs</legend>
        <div className="tr-option-list">
          {stateInputs.map((g) => {
            const t = titleOf(STATE_TEXT, g);
            return (
              <label key={g} className="tr-option">
                <input
                  type="checkbox"
                  data-testid={`train-state-${g}`}
                  checked={form.state.includes(g)}
                  disabled={locked}
                  onChange={(e) => set({ state: e.target.checked ? stateInputs.filter((x) => x === g || form.state.includes(x)) : form.state.filter((x) => x !== g) })}
                />
                <span className="tr-option-text">
                  <span className="tr-option-title">{t.title}</span>
                  <span className="tr-help">{t.hint}</span>
                </span>
              </label>
            );
          })}
        </div>
      </fieldset>

      <fieldset className="tr-field tr-fieldset" role="radiogroup" aria-label="Outputs">
        <legend className="tr-label">Outputs</legend>
        <div className="tr-option-list">
          {actions.map((a) => {
            const t = titleOf(ACTION_TEXT, a);
            return (
              <label key={a} className="tr-option">
                <input type="radio" name="train-action" data-testid={`train-action-${a}`} checked={form.action === a} disabled={locked} onChange={() => set({ action: a })} />
                <span className="tr-option-text">
                  <span className="tr-option-title">{t.title}</span>
                  <span className="tr-help">{t.hint}</span>
                </span>
              </label>
            );
          })}
        </div>
      </fieldset>

      <label className="tr-field">
        <span className="tr-label">Learning rate schedule</span>
        <select className="tr-input tr-select" data-testid="train-lr-schedule" value={form.lrSchedule} disabled={locked} onChange={(e) => set({ lrSchedule: e.target.value as LrSchedule })}>
          {schedules.map((s) => (
            <option key={s} value={s}>
              {SCHEDULE_TEXT[s] ?? s}
            </option>
          ))}
        </select>
        <span className="tr-help">Constant keeps the same learning rate all run long; cosine lowers it smoothly to 0, which often ends at a lower loss.</span>
      </label>

      <div className="tr-field">
        <span className="tr-label">Policy options</span>
        {form.options.length > 0 && (
          <div className="tr-option-rows">
            {form.options.map((r, i) => {
              const names = r.name !== '' && !optionNames.includes(r.name) ? [r.name, ...optionNames] : optionNames;
              return (
                <div key={i} className="tr-option-row">
                  <select className="tr-input tr-select" aria-label="Option name" data-testid={`train-option-name-${i}`} value={r.name} disabled={locked} onChange={(e) => setRow(i, { name: e.target.value })}>
                    <option value="">choose…</option>
                    {names.map((n) => (
                      <option key={n} value={n} disabled={n !== r.name && !unused.includes(n)}>
                        {n}
                      </option>
                    ))}
                  </select>
                  <span className="tr-eq">=</span>
                  <input
                    className="tr-input tr-option-value"
                    aria-label="Option value"
                    data-testid={`train-option-value-${i}`}
                    placeholder={r.name in optionDefaults ? JSON.stringify(optionDefaults[r.name]) : 'value'}
                    value={r.value}
                    disabled={locked}
                    onChange={(e) => setRow(i, { value: e.target.value })}
                  />
                  <button className="btn btn-small" aria-label="Remove option" data-testid={`train-option-remove-${i}`} disabled={locked} onClick={() => set({ options: form.options.filter((_, k) => k !== i) })}>
                    ×
                  </button>
                </div>
              );
            })}
          </div>
        )}
        <span>
          <button className="btn btn-small" data-testid="train-option-add" disabled={locked || unused.length === 0} onClick={() => set({ options: [...form.options, { name: unused[0] ?? '', value: '' }] })}>
            Add option
          </button>
        </span>
        <span className="tr-help">Hyperparameters of this kind of skill, e.g. hiddenUnits = [128, 128]; the greyed value is the default. Leave none for the defaults.</span>
      </div>
    </div>
  );
}
