/**
 * The training settings that `cellkit train` and `POST /api/training` both
 * take as text or JSON — state inputs, action kind, learning-rate schedule,
 * policy hyperparameters — checked by one function so the command line and
 * the REST API refuse the same values with the same words. Each caller names
 * the settings its own way (`--lr-schedule` vs `lrSchedule`) and turns a
 * `TrainSettingError` into its own failure (usage error, HTTP 400).
 */
import { ACTION_TARGETS, LEARNING_RATE_SCHEDULES, STATE_GROUPS, getPolicy } from '@cellkit/trainer';
import type { ActionTarget, LearningRateSchedule, StateGroup } from '@cellkit/trainer';
import type { RunSettings } from '@cellkit/trainer/node';

export type TrainSettingName = 'state' | 'action' | 'lrSchedule' | 'options';

/** A refused setting: which one, a stable code for programs, and expected vs found in the message. */
export class TrainSettingError extends Error {
  override name = 'TrainSettingError';
  constructor(
    readonly setting: TrainSettingName,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const TRAIN_SETTING_CODES: Record<TrainSettingName, string> = {
  state: 'invalid_state',
  action: 'invalid_action',
  lrSchedule: 'invalid_lr_schedule',
  options: 'invalid_option',
};

export interface TrainSettingsInput {
  /** Needed to check `options`; without it (a resumed run) options are checked when the run resolves them. */
  policy?: string;
  state?: readonly string[];
  action?: string;
  lrSchedule?: string;
  options?: Readonly<Record<string, unknown>>;
}

export interface ParseTrainSettingsOptions {
  /** How the caller spells each setting in messages, e.g. `{ lrSchedule: '--lr-schedule' }`. Default the setting's name. */
  labels?: Partial<Record<TrainSettingName, string>>;
}

/** Only the settings given, checked; the rest stay undefined (defaults, or the resumed run's). */
export function parseTrainSettings(input: TrainSettingsInput, opts: ParseTrainSettingsOptions = {}): Partial<RunSettings> {
  const label = (k: TrainSettingName): string => opts.labels?.[k] ?? k;
  const fail = (k: TrainSettingName, message: string): never => {
    throw new TrainSettingError(k, TRAIN_SETTING_CODES[k], `${label(k)}${message}`);
  };
  const out: Partial<RunSettings> = {};
  if (input.state !== undefined) {
    const bad = input.state.filter((g) => !(STATE_GROUPS as readonly string[]).includes(g));
    if (bad.length > 0 || input.state.length === 0) fail('state', ` expects a list of ${STATE_GROUPS.join(', ')}, got '${input.state.join(',')}'`);
    out.state = [...new Set(input.state)] as StateGroup[];
  }
  if (input.action !== undefined) {
    if (!(ACTION_TARGETS as readonly string[]).includes(input.action)) fail('action', ` expects one of ${ACTION_TARGETS.join(', ')}, got '${input.action}'`);
    out.actionTarget = input.action as ActionTarget;
  }
  if (input.lrSchedule !== undefined) {
    if (!(LEARNING_RATE_SCHEDULES as readonly string[]).includes(input.lrSchedule)) fail('lrSchedule', ` expects one of ${LEARNING_RATE_SCHEDULES.join(', ')}, got '${input.lrSchedule}'`);
    out.learningRateSchedule = input.lrSchedule as LearningRateSchedule;
  }
  if (input.options !== undefined) {
    if (input.policy !== undefined) {
      const problem = policyOptionsProblem(input.policy, input.options);
      if (problem !== null) fail('options', `: ${problem}`);
    }
    out.policyOptions = { ...input.options };
  }
  // After the options: they decide whether the policy sees images. trainDatasetDir refuses the same (RunSettingsError), but only once the run has started.
  const state = out.state;
  if (state != null && input.policy !== undefined && !state.includes('joint_position') && !policyUsesImages(input.policy, input.options ?? {})) {
    fail('state', `: the ${input.policy} policy sees no camera images, so its state needs joint_position (got ${state.join(', ')})`);
  }
  return out;
}

/** Whether `policy` with `options` (already checked) learns from camera images; without them it only knows where the arm is from joint_position. */
function policyUsesImages(policy: string, options: Readonly<Record<string, unknown>>): boolean {
  const def = getPolicy(policy);
  return def.traits(def.resolveOptions(options as never)).usesImages;
}

/** The policy's hyperparameters and their defaults (what `options` may name). */
export function policyOptionDefaults(policy: string): Record<string, unknown> {
  return { ...(getPolicy(policy).defaults as Record<string, unknown>) };
}

type Kind = 'number' | 'string' | 'boolean' | 'array' | 'null' | 'object';
const kindOf = (v: unknown): Kind => (v === null ? 'null' : Array.isArray(v) ? 'array' : (typeof v as Kind));
const KIND_TEXT: Record<Kind, string> = { number: 'a number', string: 'a string', boolean: 'true or false', array: 'a list', null: 'null', object: 'an object' };

/**
 * Why `options` do not fit the policy, or null: an unknown name, a value of
 * another kind than the default (a number may be null: options such as
 * ensembleM take null for "off"), then the policy's own checks.
 */
function policyOptionsProblem(policy: string, options: Readonly<Record<string, unknown>>): string | null {
  const defaults = policyOptionDefaults(policy);
  const known = Object.keys(defaults);
  for (const [name, value] of Object.entries(options)) {
    if (!known.includes(name)) return `policy '${policy}' has no option '${name}'; expected one of ${known.join(', ')}`;
    const want = kindOf(defaults[name]);
    const got = kindOf(value);
    if (got !== want && !(want === 'number' && got === 'null')) {
      return `policy '${policy}': option '${name}' expected ${KIND_TEXT[want]} like ${JSON.stringify(defaults[name])}, found ${JSON.stringify(value)}`;
    }
  }
  try {
    getPolicy(policy).resolveOptions(options as never);
  } catch (err) {
    return (err as Error).message;
  }
  return null;
}
