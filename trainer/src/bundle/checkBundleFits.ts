// Does a policy fit the connected cell? Returns the differences as data
// (Problem with a tip), for the UI to show before anything moves.
import { DERIVED_STATE_TITLES, derivedGroupsOf } from '../data/derivedState.ts';
import type { PolicyManifest } from './PolicyManifest.ts';

export interface Problem {
  severity: 'error' | 'warning';
  code: 'profile' | 'joints' | 'camera-missing' | 'camera-shape' | 'kinematics';
  message: string;
  tip: string;
}

export interface CellDescription {
  profile: string;
  jointNames: string[];
  /** Camera name → [height, width, 3] of the frames the cell delivers to the policy. */
  cameras: Record<string, [number, number, 3]>;
  /** Arm model name, e.g. 'ur5e'. Needed for policies with TCP inputs (manifest `kinematics`). */
  arm?: string;
  /** m, the cell's tool point in the flange frame; absent: the flange. */
  toolOffset?: [number, number, number];
}

/**
 * Tool offsets closer than this are the same tool (m): a config written to
 * the millimetre still matches, a different gripper or finger length does not.
 */
export const TOOL_OFFSET_TOLERANCE = 1e-4;

export function checkBundleFits(bundle: { manifest: PolicyManifest } | PolicyManifest, cell: CellDescription): Problem[] {
  const m = 'manifest' in bundle ? bundle.manifest : bundle;
  const problems: Problem[] = [];
  if (m.robotProfile != null && m.robotProfile !== cell.profile) {
    problems.push({
      severity: 'error', code: 'profile',
      message: `policy was trained on robot profile '${m.robotProfile}', the cell uses '${cell.profile}'`,
      tip: 'deploy a policy trained on this kind of robot, or record data on this cell and retrain',
    });
  }
  if (m.jointNames.length > 0 && m.jointNames.join('\u0000') !== cell.jointNames.join('\u0000')) {
    const sameSet = m.jointNames.length === cell.jointNames.length && m.jointNames.every((j) => cell.jointNames.includes(j));
    problems.push({
      severity: 'error', code: 'joints',
      message: `policy expects joints [${m.jointNames.join(', ')}], the cell has [${cell.jointNames.join(', ')}]`,
      tip: sameSet
        ? 'same joints in another order: fix the robot profile joint order to match the training data'
        : 'the policy was trained on a different robot; retrain on data from this cell',
    });
  }
  problems.push(...kinematicsProblems(m, cell));
  for (const cam of m.inputs.cameras) {
    const have = cell.cameras[cam.name];
    if (have == null) {
      problems.push({
        severity: 'error', code: 'camera-missing',
        message: `policy expects camera '${cam.name}' (${cam.shape[0]}×${cam.shape[1]}), the cell has [${Object.keys(cell.cameras).join(', ')}]`,
        tip: `connect a camera named '${cam.name}' or rename one in the cell configuration`,
      });
    } else if (have[0] !== cam.shape[0] || have[1] !== cam.shape[1]) {
      problems.push({
        severity: 'error', code: 'camera-shape',
        message: `policy expects camera '${cam.name}' at ${cam.shape[0]}×${cam.shape[1]} (h×w), the cell delivers ${have[0]}×${have[1]}`,
        tip: `set the camera's policy resize to ${cam.shape[1]}×${cam.shape[0]} pixels (w×h)`,
      });
    }
  }
  return problems;
}

/**
 * TCP inputs were computed with one arm model and tool point; on another, the
 * same joint positions give another pose, and the policy would see the tool
 * somewhere it is not. Twist outputs are turned into joint velocities with the
 * same arm and tool: on another, the tool would move along another path.
 */
function kinematicsProblems(m: PolicyManifest, cell: CellDescription): Problem[] {
  const k = m.kinematics;
  if (k == null) return [];
  const problems: Problem[] = [];
  const groups = derivedGroupsOf(m.inputs.state);
  const inputs = `${groups.length > 0 ? groups.map((g) => DERIVED_STATE_TITLES[g]).join(' and ') : 'TCP pose'} inputs`;
  const outputs = m.outputs.action.some((n) => n.startsWith('action.twist.'));
  const what = groups.length > 0 && outputs ? `${inputs} and twist outputs` : outputs ? 'TCP twist outputs' : inputs;
  if (cell.arm !== k.arm) {
    problems.push({
      severity: 'error', code: 'kinematics',
      message: `policy's ${what} were computed for arm model '${k.arm}', the cell ${cell.arm == null ? 'does not say which arm it has' : `has '${cell.arm}'`}`,
      tip: cell.arm == null ? `set arm: ${k.arm} in the cell config` : 'deploy a policy trained for this arm, or retrain with this arm (cellkit train --arm)',
    });
  }
  const have = cell.toolOffset ?? [0, 0, 0];
  if (have.some((v, i) => !(Math.abs(v - k.toolOffset[i]) <= TOOL_OFFSET_TOLERANCE))) {
    problems.push({
      severity: 'error', code: 'kinematics',
      message: `policy's ${what} were computed with tool offset [${metres(k.toolOffset, ', ')}] m, the cell's tool offset is [${metres(have, ', ')}] m${cell.toolOffset == null ? ' (none set: the flange)' : ''}`,
      tip: `set toolOffset: [${metres(k.toolOffset, ', ')}] in the cell config if that is this cell's tool, else retrain with --tool-offset ${metres(have, ',')}`,
    });
  }
  return problems;
}

/** Lengths to the micrometre, so 0.0375 + 0.07 + 0.04 reads 0.1475. */
function metres(v: readonly number[], sep: string): string {
  return v.map((x) => Number(x.toFixed(6))).join(sep);
}
