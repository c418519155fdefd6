// Synthetic episodes for tests and benchmarks, shaped like a UR cell's data:
// 6 joint positions, 6 velocities, gripper, 6-axis wrench → 6 joint velocity
// commands + gripper. The action is a fixed smooth function of the state, and
// each camera shows a bright square whose position encodes two state values,
// so a policy can only fit well by learning something real.
import type { TrainingData } from '../data/TrainingData.ts';
import { Rng } from '../data/Rng.ts';

export const UR_JOINTS = ['shoulder_pan_joint', 'shoulder_lift_joint', 'elbow_joint', 'wrist_1_joint', 'wrist_2_joint', 'wrist_3_joint'];

export interface SyntheticDataOptions {
  /** Default 6. */
  episodes?: number;
  /** Steps per episode. Default 40. */
  length?: number;
  /** Camera names; empty = state only. Default []. */
  cameras?: string[];
  /** Square image side in pixels. Default 32. */
  imageSize?: number;
  /** Default 1. */
  seed?: number;
}

export function syntheticData(opts: SyntheticDataOptions = {}): TrainingData {
  const { episodes = 6, length = 40, cameras = [], imageSize = 32, seed = 1 } = opts;
  const rng = new Rng(seed);
  const stateNames = [
    ...UR_JOINTS.map((j) => `${j}.position`), ...UR_JOINTS.map((j) => `${j}.velocity`), 'gripper.position',
    'wrench.force.x', 'wrench.force.y', 'wrench.force.z', 'wrench.torque.x', 'wrench.torque.y', 'wrench.torque.z',
  ];
  const actionNames = [...UR_JOINTS.map((j) => `${j}.velocity_command`), 'gripper.command'];
  const S = stateNames.length;
  const A = actionNames.length;
  const eps: TrainingData['episodes'] = [];
  for (let e = 0; e < episodes; e++) {
    const states = new Float32Array(length * S);
    const actions = new Float32Array(length * A);
    const images: Record<string, Uint8Array> = {};
    for (const c of cameras) images[c] = new Uint8Array(length * imageSize * imageSize * 3);
    const q = Array.from({ length: 6 }, () => rng.next() * 2 - 1);
    const phase = rng.next() * Math.PI * 2;
    for (let t = 0; t < length; t++) {
      const row = states.subarray(t * S, (t + 1) * S);
      for (let j = 0; j < 6; j++) row[j] = q[j] + 0.3 * Math.sin(0.1 * t + phase + j);
      for (let j = 0; j < 6; j++) row[6 + j] = 0.03 * Math.cos(0.1 * t + phase + j);
      row[12] = t > length / 2 ? 1 : 0;
      for (let k = 0; k < 6; k++) row[13 + k] = 5 * Math.sin(row[k]) + (rng.next() - 0.5) * 0.1;
      const act = actions.subarray(t * A, (t + 1) * A);
      for (let j = 0; j < 6; j++) act[j] = 0.5 * Math.tanh(row[j] - row[(j + 1) % 6]) + 2 * row[6 + j];
      act[6] = row[12];
      cameras.forEach((c, ci) => {
        const cx = Math.round(((row[ci] + 1.3) / 2.6) * (imageSize - 8));
        const cy = Math.round(((row[ci + 1] + 1.3) / 2.6) * (imageSize - 8));
        const img = images[c].subarray(t * imageSize * imageSize * 3);
        for (let y = 0; y < imageSize; y++) {
          for (let x = 0; x < imageSize; x++) {
            const inside = x >= cx && x < cx + 8 && y >= cy && y < cy + 8;
            const o = (y * imageSize + x) * 3;
            img[o] = inside ? 250 : 20;
            img[o + 1] = inside ? 200 : 30 + ci * 20;
            img[o + 2] = inside ? 40 : 40;
          }
        }
      });
    }
    eps.push({ states, actions, length, ...(cameras.length > 0 ? { images } : {}) });
  }
  const imageShapes = cameras.length > 0
    ? Object.fromEntries(cameras.map((c) => [c, [imageSize, imageSize, 3] as [number, number, 3]]))
    : undefined;
  return {
    episodes: eps, stateNames, actionNames, imageShapes, rate: 10,
    datasetId: 'synthetic', datasetHash: `synthetic-${seed}`, robotProfile: 'ur', jointNames: UR_JOINTS,
  };
}
