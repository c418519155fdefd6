import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { DERIVED_STATE_GROUPS, DatasetSelectionError, derivedGroupsOf, getPolicy, initBackend, listPolicies } from '@cellkit/trainer';
import type { SelectableOutcome, StateGroup } from '@cellkit/trainer';
import { RunSettingsError, TrainInterrupted, TrainProgressPrinter, formatDuration, formatLoss, trainDatasetDir } from '@cellkit/trainer/node';
import type { ProgressStream, RunSettings } from '@cellkit/trainer/node';
import { listArmModels } from '../profiles/getArmModel.ts';
import { derivedStateFactory, SIM_TOOL_OFFSET, type DerivedStateFactoryOptions } from '../training/derivedStateFactory.ts';
import { parseTrainSettings, TrainSettingError } from '../training/parseTrainSettings.ts';
import { UsageError, type Command } from './Command.ts';

const usage = `Usage: cellkit train --dataset <dir> --policy <name> --out <dir> [options]

Trains a behavior-cloning policy on a recorded dataset and writes a policy
bundle (model.json, weights.bin, policy.json) and metrics.json to --out.
Checkpoints go to <out>/checkpoints after every epoch; Ctrl-C stops after the
current step (the last finished epoch is kept) and --resume continues.

Options:
  --dataset <dir>        dataset folder (dataset.json + episodes/)
  --policy <name>        ${listPolicies().join(' | ')}: mlp = state only; chunk = state + cameras, action chunks
  --out <dir>            where the bundle, metrics.json and checkpoints go
  --epochs <n>           default 50 (early stopping after --patience epochs without a better val loss)
  --batch-size <n>       default 32
  --lr <x>               Adam learning rate, default 0.001
  --lr-schedule <name>   constant (default) | cosine: from --lr down to 0 over --epochs
  --rate <hz>            policy rate the episodes are aligned to, default 10
  --horizon <n>          action steps per prediction (policies with chunks; chunk default 10)
  --option <name=value>  a policy hyperparameter, repeatable; the value is JSON or a bare word, e.g.
                         --option shiftPad=0 --option strides=[2,2,1,1] (names: see the policy's
                         options in trainer/src/policies; an unknown name is refused)
  --image-size <WxH>     camera frames resized to this, default 96x96
  --cameras <list>       comma-separated camera names (default: all, for policies that use images)
  --action <kind>        what the policy outputs per joint: velocity (default; the recorded commands)
                         or position (the joint's position one policy step later, tracked by the
                         runner: a small bias does not add up to drift, and it says where to stop)
                         or twist (the tool point's velocity in the base frame, vx,vy,vz m/s and
                         wx,wy,wz rad/s, = J(q)·command with the arm and tool as for tcp_pose; the
                         runner turns it into joint velocities at the measured joints)
  --state <list>         state inputs: joint_position, joint_velocity, gripper, wrench, tcp_pose, tcp_height
                         (default chunk: gripper,wrench; mlp: joint_position,gripper,wrench. Joint
                         velocities let a policy copy its current motion; with images, joint
                         positions or the tool pose let it follow a demonstrated path instead of
                         looking at the goal: reach 36/50 with joint positions, 49/50 without)
                         tcp_pose: the tool point's position (m) and orientation (two axes of its
                         frame), forward kinematics of the joint positions with --arm and --tool-offset;
                         tcp_height: the tool point's height alone (z, m, base frame), computed the
                         same way: how far to descend, without where on a demonstrated path it is
  --arm <name>           arm model for tcp_pose / tcp_height: ${listArmModels().join(' | ')} (default: the dataset's robot profile's)
  --tool-offset <x,y,z>  tool point in the flange frame for tcp_pose / tcp_height, m (default: the sim cell's, ${metres(SIM_TOOL_OFFSET, ',')});
                         a cell whose arm or tool offset differs refuses the bundle
  --outcomes <list>      episode outcomes to train on, default success (also: failure, unlabeled)
  --episodes <list>      only these episode indexes, e.g. 0,2,5
  --val <fraction>       episodes held out for validation, default 0.1
  --patience <n>         early-stopping patience in epochs, 0 = never; default 10
  --seed <n>             default 0
  --resume               continue the run in --out (settings not given again are the run's)

Frames where a required stream is invalid are trimmed at episode edges or split
the episode, never filled in; the counts are printed and kept in metrics.json.`;

export interface TrainCommandOptions {
  /** Result lines (data, summary). Default console.log. */
  print?: (line: string) => void;
  /** Progress bar / lines. Default process.stderr. */
  progress?: ProgressStream;
}

const OUTCOMES: SelectableOutcome[] = ['success', 'failure', 'discard', 'unlabeled'];

export function createTrainCommand(commandOptions: TrainCommandOptions = {}): Command {
  const print = commandOptions.print ?? ((line: string) => console.log(line));
  return {
    name: 'train',
    summary: 'train a behavior-cloning policy (mlp | chunk) on a dataset → policy bundle',
    usage,
    async run(argv) {
      const { values } = parseArgs({
        args: argv,
        strict: true,
        allowPositionals: false,
        options: {
          dataset: { type: 'string' }, policy: { type: 'string' }, out: { type: 'string' },
          epochs: { type: 'string' }, 'batch-size': { type: 'string' }, lr: { type: 'string' }, 'lr-schedule': { type: 'string' }, action: { type: 'string' },
          rate: { type: 'string' }, horizon: { type: 'string' }, option: { type: 'string', multiple: true }, 'image-size': { type: 'string' },
          cameras: { type: 'string' }, state: { type: 'string' }, outcomes: { type: 'string' }, episodes: { type: 'string' },
          val: { type: 'string' }, patience: { type: 'string' }, seed: { type: 'string' },
          arm: { type: 'string' }, 'tool-offset': { type: 'string' },
          resume: { type: 'boolean', default: false },
        },
      });
      if (!values.dataset) throw new UsageError('--dataset is required (a dataset folder, e.g. data/pick)');
      if (!values.out) throw new UsageError('--out is required (the folder for the policy bundle, e.g. runs/pick-mlp)');
      if (!values.policy && !values.resume) throw new UsageError(`--policy is required: one of ${listPolicies().join(', ')}`);
      const settings = parseSettings(values);
      const kinematics = parseKinematics(values, settings.state);

      const progress = new TrainProgressPrinter({ stream: commandOptions.progress ?? process.stderr });
      const backend = await initBackend();
      print(`backend: ${backend.name}, ${backend.simd ? 'SIMD' : 'no SIMD'}, ${backend.threads === 0 ? 'all cores' : `${backend.threads} thread${backend.threads === 1 ? '' : 's'}`} — ${backend.note}`);

      const abort = new AbortController();
      const onSigint = (): void => {
        if (abort.signal.aborted) process.exit(130);
        progress.message('Ctrl-C: stopping after this step (the last finished epoch is saved); Ctrl-C again quits at once');
        abort.abort();
      };
      process.on('SIGINT', onSigint);
      try {
        const run = await trainDatasetDir({
          ...settings, dataset: resolve(values.dataset), out: resolve(values.out), resume: values.resume, backend,
          derivedState: derivedStateFactory(kinematics),
          signal: abort.signal,
          onReadEpisode: (done, total) => progress.reading(done, total),
          onData: (data, report, s, resumeFrom) => {
            progress.done();
            const f = report.frames;
            print(`dataset ${report.datasetId} (${report.datasetHash.slice(0, 19)}…): episodes [${report.episodesSelected.join(', ')}] → ${data.episodes.length} segment(s), ${f.used} frames at ${s.rate} Hz`);
            const invalid = Object.entries(f.invalidBy).map(([k, n]) => `${k} ${n}`).join(', ');
            print(`  dropped ${f.total - f.used} of ${f.total} frames: ${f.droppedAtEdges} at edges, ${f.droppedInside} inside, ${f.droppedShortSegments} in short runs${f.excluded ? `, ${f.excluded} in spans the episodes mark as not to learn from` : ''}${invalid ? ` (invalid: ${invalid})` : ''}`);
            if (report.episodesSkipped.length > 0) print(`  skipped: ${report.episodesSkipped.map((e) => `${e.episode} (${e.reason})`).join(', ')}`);
            const cams = Object.entries(data.imageShapes ?? {}).map(([c, [h, w]]) => `${c} ${w}×${h}`).join(', ');
            print(`  state ${data.stateNames.length}, action ${data.actionNames.length}${cams ? `, cameras ${cams}` : ''}`);
            if (data.kinematics) print(`  ${derivedColumns(data.stateNames, data.actionNames)}: arm ${data.kinematics.arm}, tool offset [${metres(data.kinematics.toolOffset, ', ')}] m`);
            print(`policy ${s.policy}, ${s.epochs} epochs, batch ${s.batchSize}, lr ${s.learningRate}${s.learningRateSchedule === 'cosine' ? ' (cosine to 0)' : ''}, seed ${s.seed}${resumeFrom > 0 ? `; resuming after epoch ${resumeFrom}` : ''}`);
          },
          onProgress: (p) => progress.update(p),
        });
        progress.done();
        const h = run.result.history;
        const best = Number.isFinite(h.bestValLoss) ? `best val loss ${formatLoss(h.bestValLoss)} at epoch ${h.bestEpoch + 1}` : 'no validation episodes (best val loss n/a)';
        print(`done: ${run.result.epochsRun} epoch(s)${run.result.stoppedEarly ? ' (stopped early)' : ''}${run.result.resumedFromEpoch > 0 ? `, resumed after epoch ${run.result.resumedFromEpoch}` : ''}; ${best}; final train loss ${formatLoss(h.trainLoss[h.trainLoss.length - 1] ?? NaN)}`);
        print(`  ${run.samplesPerSec.toFixed(0)} samples/s, wall ${formatDuration(run.wallSec)}`);
        print(`  bundle: ${resolve(values.out)} (policy.json, model.json, weights.bin); metrics: ${resolve(values.out, 'metrics.json')}`);
        run.result.model.dispose();
        return 0;
      } catch (err) {
        progress.done();
        if (err instanceof TrainInterrupted) {
          print(`cellkit train: ${err.message}`);
          return 130;
        }
        if (err instanceof DatasetSelectionError || err instanceof RunSettingsError) {
          print(`cellkit train: ${err.message}`);
          return 2;
        }
        throw err;
      } finally {
        process.off('SIGINT', onSigint);
      }
    },
  };
}

export const trainCommand = createTrainCommand();

type Values = { [k: string]: string | string[] | boolean | undefined };

/**
 * `--option name=value` pairs → policy options. Values are JSON (numbers, arrays,
 * null, true/false) or else a bare string; names and values are checked
 * against the policy (parseTrainSettings, shared with the training API) when
 * the policy is known (else when the run resolves them).
 */
export function parsePolicyOptions(pairs: string[], policy: string | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const name = eq > 0 ? pair.slice(0, eq).trim() : '';
    if (name === '' || eq === pair.length - 1) throw new UsageError(`--option expects name=value, e.g. shiftPad=0, got '${pair}'`);
    const text = pair.slice(eq + 1).trim();
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = text;
    }
    out[name] = value;
  }
  return checked(() => parseTrainSettings({ policy, options: out }, { labels: CLI_LABELS })).policyOptions as Record<string, unknown>;
}

const CLI_LABELS = { state: '--state', action: '--action', lrSchedule: '--lr-schedule', options: '--option' } as const;

/** The shared checks, refusing with the command line's names. */
function checked<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof TrainSettingError) throw new UsageError(err.message);
    throw err;
  }
}

/** Lengths to the micrometre, so 0.0375 + 0.07 + 0.04 reads 0.1475. */
function metres(v: readonly number[], sep: string): string {
  return v.map((x) => Number(x.toFixed(6))).join(sep);
}

/** The columns computed with the arm model, by group: 'tcp_pose', 'tcp_height, twist' … ('tcp_pose' when none is named: older runs). */
function derivedColumns(stateNames: readonly string[], actionNames: readonly string[]): string {
  const groups: string[] = derivedGroupsOf(stateNames);
  if (actionNames.some((n) => n.startsWith('action.twist.'))) groups.push('twist');
  return groups.length > 0 ? groups.join(', ') : 'tcp_pose';
}

/** --arm and --tool-offset: how tcp_pose / tcp_height are computed (only with one of them, or on --resume, where the run's state decides). */
function parseKinematics(v: Values, state: StateGroup[] | null | undefined): DerivedStateFactoryOptions {
  const out: DerivedStateFactoryOptions = {};
  const arm = v.arm as string | undefined;
  const tool = v['tool-offset'] as string | undefined;
  if ((arm !== undefined || tool !== undefined) && state != null && !DERIVED_STATE_GROUPS.some((g) => state.includes(g))) {
    throw new UsageError(`--${arm !== undefined ? 'arm' : 'tool-offset'} applies to the ${DERIVED_STATE_GROUPS.join(' and ')} state inputs; add one to --state, or drop it`);
  }
  if (arm !== undefined) {
    if (!listArmModels().includes(arm.toLowerCase())) throw new UsageError(`--arm expects one of ${listArmModels().join(', ')}, got '${arm}'`);
    out.arm = arm.toLowerCase();
  }
  if (tool !== undefined) {
    const xyz = tool.split(',').map((x) => (x.trim() === '' ? NaN : Number(x)));
    if (xyz.length !== 3 || !xyz.every((x) => Number.isFinite(x) && Math.abs(x) < 1)) {
      throw new UsageError(`--tool-offset expects x,y,z in metres in the flange frame (each under 1 m), e.g. 0,0,0.15, got '${tool}'`);
    }
    out.toolOffset = xyz as [number, number, number];
  }
  return out;
}

/** Only the settings given on the command line; the rest come from defaults or the resumed run. */
function parseSettings(v: Values): Partial<RunSettings> {
  const s: Partial<RunSettings> = {};
  const str = (k: string): string | undefined => v[k] as string | undefined;
  const num = (k: string, check: (n: number) => boolean, expected: string): number | undefined => {
    const text = str(k);
    if (text === undefined) return undefined;
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n) || !check(n)) throw new UsageError(`--${k} expects ${expected}, got '${text}'`);
    return n;
  };
  const posInt = (n: number): boolean => Number.isInteger(n) && n > 0;
  const list = (k: string): string[] | undefined => str(k)?.split(',').map((x) => x.trim()).filter(Boolean);
  if (str('policy') !== undefined) {
    if (!listPolicies().includes(str('policy')!)) throw new UsageError(`--policy expects one of ${listPolicies().join(', ')}, got '${str('policy')}'`);
    s.policy = str('policy');
  }
  s.epochs = num('epochs', posInt, 'a positive integer');
  s.batchSize = num('batch-size', posInt, 'a positive integer');
  s.learningRate = num('lr', (n) => n > 0 && n < 1, 'a learning rate in (0, 1), e.g. 0.001');
  const state = list('state');
  Object.assign(s, checked(() => parseTrainSettings({ state, action: str('action'), lrSchedule: str('lr-schedule') }, { labels: CLI_LABELS })));
  s.rate = num('rate', (n) => n > 0 && n <= 1000, 'a rate in Hz, e.g. 10');
  s.seed = num('seed', Number.isInteger, 'an integer');
  s.validationFraction = num('val', (n) => n >= 0 && n < 1, 'a fraction in [0, 1)');
  s.earlyStoppingPatience = num('patience', (n) => Number.isInteger(n) && n >= 0, 'an integer ≥ 0');
  const horizon = num('horizon', posInt, 'a positive integer');
  if (horizon !== undefined) {
    const policy = s.policy ?? 'chunk';
    if (!('horizon' in getPolicy(policy).defaults)) throw new UsageError(`--horizon applies to policies that predict action chunks; '${policy}' predicts one step`);
    s.policyOptions = { ...s.policyOptions, horizon };
  }
  const options = v.option as unknown as string[] | undefined;
  // --option after --horizon: the options win; checked together against the policy.
  if (options !== undefined && options.length > 0) {
    const policyOptions = { ...s.policyOptions, ...parsePolicyOptions(options, undefined) };
    s.policyOptions = checked(() => parseTrainSettings({ policy: s.policy, options: policyOptions }, { labels: CLI_LABELS })).policyOptions;
  }
  const size = str('image-size');
  if (size !== undefined) {
    const m = /^(\d+)x(\d+)$/.exec(size);
    if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new UsageError(`--image-size expects WxH in pixels, e.g. 96x96, got '${size}'`);
    s.imageSize = [Number(m[1]), Number(m[2])];
  }
  const cameras = list('cameras');
  if (cameras !== undefined) s.cameras = cameras;
  const outcomes = list('outcomes');
  if (outcomes !== undefined) {
    const bad = outcomes.filter((o) => !OUTCOMES.includes(o as SelectableOutcome));
    if (bad.length > 0 || outcomes.length === 0) throw new UsageError(`--outcomes expects a list of ${OUTCOMES.join(', ')}, got '${str('outcomes')}'`);
    s.outcomes = outcomes as SelectableOutcome[];
  }
  const episodes = list('episodes');
  if (episodes !== undefined) {
    const n = episodes.map(Number);
    if (n.length === 0 || n.some((x) => !Number.isInteger(x) || x < 0)) throw new UsageError(`--episodes expects indexes like 0,2,5, got '${str('episodes')}'`);
    s.episodes = n;
  }
  for (const k of Object.keys(s) as (keyof RunSettings)[]) if (s[k] === undefined) delete s[k];
  return s;
}
