// Does a policy fit the connected cell? Returns the differences as data
// (Problem with a tip), for the UI to show before anything moves.
import type { PolicyManifest } from './PolicyManifest.ts';

export interface Problem {
  severity: 'error' | 'warning';
  code: 'profile' | 'joints' | 'camera-missing' | 'camera-shape';
  message: string;
  tip: string;
}

export interface CellDescription {
  profile: string;
  jointNames: string[];
  /** Camera name → [height, width, 3] of the frames the cell delivers to the policy. */
  cameras: Record<string, [number, number, 3]>;
}

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
