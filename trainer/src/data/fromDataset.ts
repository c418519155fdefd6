// Adapts a recorded dataset (@cellkit/datasets) to the trainer's in-memory
// `TrainingData`: every selected episode aligned to the policy rate, state =
// joint positions, joint velocities, gripper and wrench (in that order, names
// kept as `<feature>.<name>`), then derived groups computed from the joint
// positions (tcp_pose, tcp_height: see derivedState.ts), action = the recorded ACTION
// stream (the commands actually sent after the safety layer) — or targets
// derived from it (next-step joint positions, the TCP twist) — camera frames
// resized.
//
// Invalid frames are never invented. A frame is usable when every state
// feature, the action and every selected camera are valid there (the aligned
// reader marks stale / missing samples) and every value is finite. Unusable
// frames at the start and end of an episode are trimmed; unusable frames
// inside split the episode into segments (a window never spans a gap);
// segments shorter than `minSegmentLength` are dropped. Every dropped frame is
// counted in the report, by cause.
import type { AlignedEpisode, Dataset, EpisodeMeta, EpisodeOutcome, ExcludedSpan } from '@cellkit/datasets/core';
import { datasetContentHash } from './datasetContentHash.ts';
import type { HashFactory } from './datasetContentHash.ts';
import { DERIVED_STATE_GROUPS, isDerivedStateGroup } from './derivedState.ts';
import type { DerivedState, DerivedStateGroup, DerivedStateProviders, PolicyKinematics } from './derivedState.ts';
import type { EpisodeData, TrainingData } from './TrainingData.ts';
import { DatasetSelectionError } from './DatasetSelectionError.ts';
import { sharedKinematics, twistActions, twistLayout } from './twistActions.ts';
import type { TwistLayout } from './twistActions.ts';

export { DatasetSelectionError };

/** State features in column order; the ones the dataset records are used. */
export const STATE_FEATURES = ['observation.joint_position', 'observation.joint_velocity', 'observation.gripper', 'observation.wrench'] as const;
/** State feature groups by short name (`--state joint_position,gripper`): recorded ones, then derived ones. */
export const STATE_GROUPS = ['joint_position', 'joint_velocity', 'gripper', 'wrench', ...DERIVED_STATE_GROUPS] as const;
export type StateGroup = (typeof STATE_GROUPS)[number];
export const ACTION_FEATURE = 'action';

/**
 * What the policy learns to output for each joint: 'velocity' — the recorded
 * command (rad/s), named `action.<joint>`; or 'position' — where the joint was
 * one policy step later (rad, from the measured joint positions), named
 * `action.position.<joint>`, which the runner tracks with a velocity command
 * (ACT predicts absolute joint targets too). A position target does not
 * integrate a small bias into drift, and it says where to stop. Or 'twist' —
 * instead of one output per joint, the TCP's velocity in the robot base frame
 * that the recorded command produced, J(q)·q̇ at the frame's measured joints
 * (6 columns `action.twist.vx|vy|vz` m/s, `wx|wy|wz` rad/s, computed by the
 * injected `derivedState.twist`); the runner turns it back into joint
 * velocities at the live joints (damped least squares, as Cartesian teleop).
 * A Cartesian expert's mapping goal → twist is nearly linear, where in joint
 * space it is bent by the arm's inverse kinematics. The gripper is the
 * recorded command in every case.
 */
export const ACTION_TARGETS = ['velocity', 'position', 'twist'] as const;
export type ActionTarget = (typeof ACTION_TARGETS)[number];
export const POSITION_ACTION_PREFIX = `${ACTION_FEATURE}.position.`;
export const TWIST_ACTION_PREFIX = `${ACTION_FEATURE}.twist.`;
const JOINT_FEATURE = 'observation.joint_position';
const IMAGE_PREFIX = 'observation.images.';

export type SelectableOutcome = Exclude<EpisodeOutcome, null> | 'unlabeled';

export interface FromDatasetOptions {
  /** Policy rate in Hz the episodes are aligned to. Default 10. */
  rate?: number;
  /**
   * State feature groups to use, of those recorded. Default all. Leaving out
   * joint velocities avoids the "copycat" shortcut (a policy that learns to
   * continue the current motion instead of looking where the goal is); for
   * image policies, leaving out joint positions too (they let a policy follow
   * a demonstrated path by where the arm is, not where the goal is). Derived groups (tcp_pose, tcp_height) are
   * used only when named, and need their provider in `derivedState`.
   */
  state?: StateGroup[];
  /**
   * How derived groups are computed from a row of joint positions, and twist
   * actions from joint positions and commands (the bridge supplies the arm's
   * kinematics).
   */
  derivedState?: DerivedStateProviders;
  /** Joint outputs: recorded velocity commands, next-step joint positions, or the TCP twist. Default 'velocity'. */
  actionTarget?: ActionTarget;
  /** Cameras to load, by name. Default: every camera in dataset.json. [] = state only. */
  cameras?: string[];
  /** [width, height] every camera is resized to. Default [96, 96]. */
  imageSize?: [number, number];
  /** Episode outcomes to train on. Default ['success']. */
  outcomes?: SelectableOutcome[];
  /** Only these episode indexes (still filtered by outcome and status). Default all. */
  episodes?: number[];
  /** Usable runs shorter than this many frames are dropped. Default 2. */
  minSegmentLength?: number;
  /** Identity copied into the bundle. Default dataset.json's name. */
  datasetId?: string;
  /** Incremental SHA-256 for the content hash. Default node:crypto (loaded on demand). */
  createHash?: HashFactory;
  /** Called after each episode is read (JPEG decoding can take seconds per episode). */
  onEpisode?: (done: number, total: number) => void;
}

export interface DatasetConversionReport {
  datasetId: string;
  datasetHash: string;
  /** What the hash covers, in words, for metrics.json. */
  hashMethod: string;
  rate: number;
  cameras: string[];
  /** Episodes that matched the selection and were read. */
  episodesSelected: number[];
  /** Episodes left out, with the reason (outcome, status, missing feature, no usable frames). */
  episodesSkipped: { episode: number; reason: string }[];
  /** Training episodes produced: source episode, first aligned frame, length. */
  segments: { episode: number; start: number; length: number }[];
  frames: {
    /** Aligned frames of the selected episodes (before any drop). */
    total: number;
    used: number;
    /** Trimmed at episode starts and ends. */
    droppedAtEdges: number;
    /** Inside an episode (each gap splits it). */
    droppedInside: number;
    /** Usable, but in a segment shorter than minSegmentLength. */
    droppedShortSegments: number;
    /** Inside the episodes' excluded spans (EpisodeMeta.excluded: e.g. a demonstrator's deliberate mistake). */
    excluded: number;
    /** Unusable frames per cause (a frame can count under several). */
    invalidBy: Record<string, number>;
  };
}

export async function datasetToTrainingData(
  dataset: Dataset, opts: FromDatasetOptions = {},
): Promise<{ data: TrainingData; report: DatasetConversionReport }> {
  const rate = opts.rate ?? 10;
  const [width, height] = opts.imageSize ?? [96, 96];
  const outcomes = opts.outcomes ?? ['success'];
  const minSegment = opts.minSegmentLength ?? 2;
  const id = opts.datasetId ?? dataset.info.name;
  if (!(rate > 0)) throw new DatasetSelectionError(`rate: expected a positive number of Hz, found ${rate}`);
  if (![width, height].every((v) => Number.isInteger(v) && v > 0)) {
    throw new DatasetSelectionError(`imageSize: expected [width, height] in whole pixels > 0, found [${width}, ${height}]`);
  }
  const datasetCameras = dataset.info.features.filter((f) => f.name.startsWith(IMAGE_PREFIX)).map((f) => f.name.slice(IMAGE_PREFIX.length));
  const cameras = [...(opts.cameras ?? datasetCameras)].sort();
  const unknown = cameras.filter((c) => !datasetCameras.includes(c));
  if (unknown.length > 0) {
    throw new DatasetSelectionError(`dataset '${id}' has no camera ${unknown.map((c) => `'${c}'`).join(', ')}; it records [${datasetCameras.join(', ')}]`);
  }

  const { selected, skipped } = await selectEpisodes(dataset, id, outcomes, opts.episodes);
  const report: DatasetConversionReport = {
    datasetId: id, datasetHash: '', hashMethod: '', rate, cameras,
    episodesSelected: selected.map((m) => m.index), episodesSkipped: skipped, segments: [],
    frames: { total: 0, used: 0, droppedAtEdges: 0, droppedInside: 0, droppedShortSegments: 0, excluded: 0, invalidBy: {} },
  };

  let layout: Layout | null = null;
  const episodes: EpisodeData[] = [];
  for (const [n, meta] of selected.entries()) {
    const aligned = await dataset.readAligned(meta.index, { rate, cameras, imageSize: { width, height } });
    layout ??= layoutOf(aligned, id, meta.index, opts.state, opts.actionTarget ?? 'velocity', opts.derivedState ?? {});
    const mismatch = layoutMismatch(layout, aligned, cameras);
    if (mismatch != null) {
      report.episodesSkipped.push({ episode: meta.index, reason: mismatch });
    } else {
      report.frames.total += aligned.length;
      const spans = meta.excluded ?? [];
      const runs = usableRuns(aligned, layout, cameras, report.frames.invalidBy, spans);
      countDrops(runs, aligned.length, minSegment, report.frames, (i) => isExcluded(aligned.timestamps[i], spans));
      const kept = runs.filter((r) => r.length >= minSegment);
      if (kept.length === 0) report.episodesSkipped.push({ episode: meta.index, reason: `no run of ≥ ${minSegment} usable frames out of ${aligned.length}` });
      for (const run of kept) {
        episodes.push(segment(aligned, layout, cameras, run.start, run.length));
        report.segments.push({ episode: meta.index, start: run.start, length: run.length });
        report.frames.used += run.length;
      }
    }
    opts.onEpisode?.(n + 1, selected.length);
  }
  if (episodes.length === 0 || layout == null) {
    const why = report.episodesSkipped.map((s) => `episode ${s.episode}: ${s.reason}`).join('; ');
    throw new DatasetSelectionError(`dataset '${id}': expected usable frames in the selected episodes, found none (${why}); check the recording with \`cellkit dataset validate\``);
  }

  const hash = await datasetContentHash(dataset, report.segments.map((s) => s.episode), opts.createHash);
  report.datasetHash = hash.hash;
  report.hashMethod = hash.method;
  const data: TrainingData = {
    episodes, stateNames: layout.stateNames, actionNames: layout.actionNames, rate,
    ...(cameras.length > 0 ? { imageShapes: Object.fromEntries(cameras.map((c) => [c, [height, width, 3] as [number, number, 3]])) } : {}),
    datasetId: id, datasetHash: hash.hash, robotProfile: dataset.info.robot, jointNames: layout.jointNames,
    ...(layout.kinematics != null ? { kinematics: layout.kinematics } : {}),
  };
  return { data, report };
}

async function selectEpisodes(
  dataset: Dataset, id: string, outcomes: SelectableOutcome[], only?: number[],
): Promise<{ selected: EpisodeMeta[]; skipped: { episode: number; reason: string }[] }> {
  const all = await dataset.listEpisodes();
  const missing = (only ?? []).filter((i) => !all.some((m) => m.index === i));
  if (missing.length > 0) {
    throw new DatasetSelectionError(`dataset '${id}' has no episode ${missing.join(', ')}; it has [${all.map((m) => m.index).join(', ')}]`);
  }
  const candidates = only == null ? all : all.filter((m) => only.includes(m.index));
  const selected: EpisodeMeta[] = [];
  const skipped: { episode: number; reason: string }[] = [];
  const tally = new Map<string, number>();
  for (const m of candidates) {
    const outcome: SelectableOutcome = m.outcome ?? 'unlabeled';
    if (m.status === 'recording') {
      skipped.push({ episode: m.index, reason: 'still recording (or crashed: open the dataset to recover it)' });
      tally.set('recording', (tally.get('recording') ?? 0) + 1);
    } else if (!outcomes.includes(outcome)) {
      skipped.push({ episode: m.index, reason: `outcome ${outcome}` });
      tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
    } else {
      selected.push(m);
    }
  }
  if (selected.length === 0) {
    const found = candidates.length === 0 ? 'no episodes at all' : [...tally].map(([k, v]) => `${v} ${k}`).join(', ');
    const wanted = outcomes.length === 1 && outcomes[0] === 'success' ? 'successful' : outcomes.join('/');
    throw new DatasetSelectionError(
      `dataset ${id} has no ${wanted} episodes (found ${found}); record some or pass --outcomes success,failure`,
    );
  }
  return { selected, skipped };
}

interface Layout {
  stateKeys: string[];
  /** Per action column: the joint_position column it takes one step ahead (position targets), or -1 for the recorded command. */
  positionOf: number[];
  /** Twist actions: the provider, the recorded action column of each joint (joint order), the other columns (gripper), the recorded names. */
  twist: TwistLayout | null;
  /** State features the first selected episode recorded (used or not). */
  recordedKeys: string[];
  /** Derived groups, in column order after the recorded ones. */
  derived: { group: DerivedStateGroup; state: DerivedState }[];
  /** What the derived groups and twist actions were computed with (null: none used). */
  kinematics: PolicyKinematics | null;
  stateNames: string[];
  actionNames: string[];
  jointNames: string[];
}

function layoutOf(
  ep: AlignedEpisode, id: string, index: number, groups: StateGroup[] | undefined, target: ActionTarget, providers: DerivedStateProviders,
): Layout {
  if (!ACTION_TARGETS.includes(target)) throw new DatasetSelectionError(`action target: expected one of ${ACTION_TARGETS.join(', ')}, found ${String(target)}`);
  const bad = (groups ?? []).filter((g) => !(STATE_GROUPS as readonly string[]).includes(g));
  if (bad.length > 0) throw new DatasetSelectionError(`state groups: expected some of ${STATE_GROUPS.join(', ')}, found ${bad.join(', ')}`);
  const wanted = (k: string): boolean => groups == null || (groups as string[]).includes(k.slice('observation.'.length));
  const stateKeys = STATE_FEATURES.filter((k) => ep.features[k] != null && wanted(k));
  if (stateKeys.length === 0 && !(groups ?? []).some((g) => isDerivedStateGroup(g))) {
    throw new DatasetSelectionError(`state groups [${(groups ?? []).join(', ')}]: none is recorded in dataset '${id}' episode ${index}; name at least one of ${STATE_FEATURES.filter((k) => ep.features[k] != null).map((k) => k.slice('observation.'.length)).join(', ')}`);
  }
  const found = `found [${Object.keys(ep.features).join(', ')}]`;
  if (ep.features[JOINT_FEATURE] == null) throw new DatasetSelectionError(`dataset '${id}' episode ${index}: expected ${JOINT_FEATURE}, ${found}; was /joint_states recorded?`);
  const action = ep.features[ACTION_FEATURE];
  if (action == null) throw new DatasetSelectionError(`dataset '${id}' episode ${index}: expected the ${ACTION_FEATURE} stream (commands sent), ${found}; record through the bridge so commands are captured`);
  const joints = ep.features[JOINT_FEATURE].names;
  const positionOf = action.names.map((n) => (target === 'position' ? joints.indexOf(n) : -1));
  const derived = derivedGroups(groups ?? [], providers, joints);
  const twist = target === 'twist' ? twistLayout(providers, joints, action.names, id, index) : null;
  return {
    stateKeys,
    positionOf,
    twist,
    recordedKeys: STATE_FEATURES.filter((k) => ep.features[k] != null),
    derived,
    kinematics: sharedKinematics(derived.map((d) => d.state.kinematics), twist?.action),
    stateNames: stateNamesOf(ep, stateKeys, derived),
    actionNames: actionNames(action.names, positionOf, twist),
    jointNames: [...ep.features[JOINT_FEATURE].names],
  };
}

/** The derived groups asked for, in STATE_GROUPS order, each with its provider (checked against the joints). */
function derivedGroups(groups: StateGroup[], providers: DerivedStateProviders, joints: readonly string[]): Layout['derived'] {
  const out: Layout['derived'] = [];
  for (const group of DERIVED_STATE_GROUPS.filter((g) => groups.includes(g))) {
    const state = providers[group];
    if (state == null) {
      throw new DatasetSelectionError(
        `state group ${group} is computed from the joint positions by forward kinematics, and no provider for it was given; `
        + 'train through `cellkit train` (the bridge supplies the arm model), or pass derivedState.' + group,
      );
    }
    if (state.jointCount !== joints.length) {
      throw new DatasetSelectionError(
        `state group ${group}: the arm model ${state.kinematics.arm} has ${state.jointCount} joints, the dataset records ${joints.length} [${joints.join(', ')}]; pass the arm this dataset was recorded on`,
      );
    }
    out.push({ group, state });
  }
  return out;
}

/** State column names: recorded features as `<feature>.<name>`, then derived groups as `observation.<group>.<name>`. */
function stateNamesOf(ep: AlignedEpisode, stateKeys: readonly string[], derived: Layout['derived']): string[] {
  return [
    ...stateKeys.flatMap((k) => ep.features[k].names.map((n) => `${k}.${n}`)),
    ...derived.flatMap((d) => d.state.names.map((n) => `observation.${d.group}.${n}`)),
  ];
}

/** Column names of the action feature's `names`: position targets where `positionOf` maps a joint; with twist, its columns then the non-joint ones. */
function actionNames(names: readonly string[], positionOf: number[], twist: Layout['twist']): string[] {
  if (twist != null) return [...twist.action.names.map((n) => `${TWIST_ACTION_PREFIX}${n}`), ...twist.rest.map((c) => `${ACTION_FEATURE}.${names[c]}`)];
  return names.map((n, i) => (positionOf[i] >= 0 ? `${POSITION_ACTION_PREFIX}${n}` : `${ACTION_FEATURE}.${n}`));
}

/** Why an episode cannot share columns with the first one, or null if it can. */
function layoutMismatch(layout: Layout, ep: AlignedEpisode, cameras: string[]): string | null {
  for (const k of [...layout.stateKeys, ACTION_FEATURE]) {
    if (ep.features[k] == null) return `feature ${k} missing`;
  }
  const names = stateNamesOf(ep, layout.stateKeys, layout.derived);
  if (names.join('\n') !== layout.stateNames.join('\n')) return `state features [${names.join(', ')}], expected [${layout.stateNames.join(', ')}]`;
  const recorded = ep.features[ACTION_FEATURE].names;
  // Twist columns come from the joints' commands by position in the recorded action: the recorded names must match exactly.
  const actions = layout.twist != null ? [...recorded] : actionNames(recorded, layout.positionOf, null);
  const expected = layout.twist != null ? layout.twist.recorded : layout.actionNames;
  if (actions.join('\n') !== expected.join('\n')) return `action [${actions.join(', ')}], expected [${expected.join(', ')}]`;
  const extra = STATE_FEATURES.filter((k) => ep.features[k] != null && !layout.recordedKeys.includes(k));
  if (extra.length > 0) return `has ${extra.join(', ')} that the first selected episode lacks`;
  for (const c of cameras) if (ep.cameras[c] == null) return `camera '${c}' missing`;
  if (ep.length === 0) return 'no aligned frames (streams never overlap)';
  return null;
}

/** Maximal runs of usable frames; counts each unusable frame's causes into `invalidBy`. */
function usableRuns(
  ep: AlignedEpisode, layout: Layout, cameras: string[], invalidBy: Record<string, number>, excluded: readonly ExcludedSpan[],
): { start: number; length: number }[] {
  const keys = [...layout.stateKeys, ACTION_FEATURE];
  const runs: { start: number; length: number }[] = [];
  let start = -1;
  for (let i = 0; i <= ep.length; i++) {
    // An excluded frame ends a run like an invalid one, counted apart (frames.excluded), not as invalid.
    let ok = i < ep.length && !isExcluded(ep.timestamps[i], excluded);
    for (const k of i < ep.length ? keys : []) {
      const f = ep.features[k];
      let good = f.valid[i] === 1;
      for (let d = 0; good && d < f.dim; d++) good = Number.isFinite(f.data[i * f.dim + d]);
      if (!good) {
        ok = false;
        invalidBy[k] = (invalidBy[k] ?? 0) + 1;
      }
    }
    for (const c of i < ep.length ? cameras : []) {
      if (ep.cameras[c].valid[i] !== 1) {
        ok = false;
        const key = `${IMAGE_PREFIX}${c}`;
        invalidBy[key] = (invalidBy[key] ?? 0) + 1;
      }
    }
    if (ok && start < 0) start = i;
    if (!ok && start >= 0) {
      runs.push({ start, length: i - start });
      start = -1;
    }
  }
  return runs;
}

function isExcluded(t: number, spans: readonly ExcludedSpan[]): boolean {
  return spans.some((s) => t >= s.start && t <= s.end);
}

/** Sorts every frame outside the kept runs into one drop cause: excluded span, episode edge, inside gap, or short run. */
function countDrops(
  runs: { start: number; length: number }[], length: number, minSegment: number, frames: DatasetConversionReport['frames'], excluded: (i: number) => boolean,
): void {
  const first = runs.length > 0 ? runs[0].start : length;
  const last = runs.length > 0 ? runs[runs.length - 1].start + runs[runs.length - 1].length : length;
  const inRun = new Uint8Array(length);
  for (const r of runs) inRun.fill(1, r.start, r.start + r.length);
  for (let i = 0; i < length; i++) {
    if (inRun[i] === 1) continue;
    if (excluded(i)) frames.excluded++;
    else if (i < first || i >= last) frames.droppedAtEdges++;
    else frames.droppedInside++;
  }
  frames.droppedShortSegments += runs.filter((r) => r.length < minSegment).reduce((s, r) => s + r.length, 0);
}

/** Copies frames [start, start+length) into fresh arrays (aligned episodes are cached: never mutate them). */
function segment(ep: AlignedEpisode, layout: Layout, cameras: string[], start: number, length: number): EpisodeData {
  const S = layout.stateNames.length;
  const states = new Float32Array(length * S);
  let col = 0;
  for (const k of layout.stateKeys) {
    const f = ep.features[k];
    for (let t = 0; t < length; t++) {
      const src = (start + t) * f.dim;
      for (let d = 0; d < f.dim; d++) states[t * S + col + d] = f.data[src + d];
    }
    col += f.dim;
  }
  // Derived groups from the same joint rows (joint positions are always used, so these frames are valid).
  const q = ep.features[JOINT_FEATURE];
  for (const { state } of layout.derived) {
    for (let t = 0; t < length; t++) {
      const src = (start + t) * q.dim;
      state.compute(q.data.subarray(src, src + q.dim), states, t * S + col);
    }
    col += state.names.length;
  }
  const action = ep.features[ACTION_FEATURE];
  if (layout.twist != null) return { states, actions: twistActions(ep, JOINT_FEATURE, ACTION_FEATURE, layout.twist, start, length), length, ...imagesOf(ep, cameras, start, length) };
  const actions = action.data.slice(start * action.dim, (start + length) * action.dim);
  // Position targets: the joint's measured position one step later (the segment's last frame holds).
  layout.positionOf.forEach((j, c) => {
    if (j < 0) return;
    for (let t = 0; t < length; t++) actions[t * action.dim + c] = q.data[(start + Math.min(t + 1, length - 1)) * q.dim + j];
  });
  return { states, actions, length, ...imagesOf(ep, cameras, start, length) };
}

function imagesOf(ep: AlignedEpisode, cameras: string[], start: number, length: number): Pick<EpisodeData, 'images'> {
  if (cameras.length === 0) return {};
  const images: Record<string, Uint8Array> = {};
  for (const c of cameras) {
    const cam = ep.cameras[c];
    const frame = cam.width * cam.height * 3;
    images[c] = cam.data.slice(start * frame, (start + length) * frame);
  }
  return { images };
}
