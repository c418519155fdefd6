// Per-feature mean/std normalization. Computed on the training episodes only
// (validation must not leak into it) and saved in the policy bundle, because
// the runtime has to apply exactly the same transform to live observations.

export interface FeatureStats {
  mean: number[];
  std: number[];
}

export interface Normalization {
  state: FeatureStats;
  action: FeatureStats;
}

/**
 * Below this std a feature is treated as constant and left unscaled (std 1):
 * dividing by ~0 would turn sensor noise at run time into huge inputs.
 */
export const MIN_STD = 1e-6;

/**
 * The smallest std a feature may be scaled by, from its physical unit: about
 * the resolution at which a change matters to the policy. A feature the demos
 * barely moved (the wrist the expert held still, a gripper never used, torque
 * near zero) has a std of ~1e-4; scaled by that, a deviation of a few mrad at
 * run time becomes an input of 50σ and the policy's output explodes. Scaled by
 * at least this floor, the same deviation stays a small input.
 */
export function stdFloor(featureName: string): number {
  if (featureName.startsWith('observation.joint_position.')) return 0.01; // rad
  if (featureName.startsWith('observation.joint_velocity.')) return 0.02; // rad/s
  if (featureName.startsWith('observation.gripper.')) return 0.02; // rad
  if (featureName.startsWith('observation.wrench.force.')) return 0.5; // N
  if (featureName.startsWith('observation.wrench.torque.')) return 0.05; // N·m
  // TCP position and height (m): about what 0.01 rad of a joint moves the tool at arm's length.
  if (/^observation\.tcp_pose\.[xyz]$/.test(featureName) || featureName === 'observation.tcp_height.z') return 0.005;
  // TCP orientation as unit axis components: 0.01 ≈ 0.6°. Demos that hold the tool
  // pointing down leave these nearly constant; unfloored, a small tilt would be a huge input.
  if (featureName.startsWith('observation.tcp_pose.')) return 0.01;
  if (featureName === 'action.gripper') return 0.02; // rad
  if (featureName.startsWith('action.position.')) return 0.01; // rad
  // TCP linear velocity (m/s): 5 mm/s, 2.5% of the experts' 0.2 m/s cap; an axis the demos
  // barely moved along stays a small output instead of a noise-amplified one.
  if (/^action\.twist\.v[xyz]$/.test(featureName)) return 0.005;
  // TCP angular velocity (rad/s): demos that hold the tool's orientation barely turn it;
  // unfloored, the model's small errors there would become large wrist speeds.
  if (featureName.startsWith('action.twist.')) return 0.02;
  if (featureName.startsWith('action.')) return 0.02; // rad/s
  return MIN_STD;
}

/**
 * Mean and (population) std of each column of row-major `rows`×`width` blocks.
 * With `names`, each std is at least the floor of its feature's unit
 * (`stdFloor`); without, a std below MIN_STD becomes 1.
 */
export function computeStats(blocks: Float32Array[], width: number, names?: readonly string[]): FeatureStats {
  if (names && names.length !== width) throw new Error(`normalization: expected ${width} feature names, found ${names.length}`);
  const sum = new Float64Array(width);
  const sumSq = new Float64Array(width);
  let n = 0;
  for (const block of blocks) {
    const rows = block.length / width;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < width; c++) {
        const v = block[r * width + c];
        sum[c] += v;
        sumSq[c] += v * v;
      }
    }
    n += rows;
  }
  if (n === 0) throw new Error('normalization: expected at least one row of data, found 0');
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < width; c++) {
    const m = sum[c] / n;
    const s = Math.sqrt(Math.max(0, sumSq[c] / n - m * m));
    mean.push(m);
    const floor = names ? stdFloor(names[c]) : MIN_STD;
    std.push(s < MIN_STD && floor <= MIN_STD ? 1 : Math.max(s, floor));
  }
  return { mean, std };
}

/** (v − mean) / std, written into `out` (may alias `values`). */
export function normalizeInto(values: ArrayLike<number>, stats: FeatureStats, out: Float32Array, outOffset = 0): void {
  const w = stats.mean.length;
  for (let i = 0; i < values.length; i++) {
    const c = i % w;
    out[outOffset + i] = (values[i] - stats.mean[c]) / stats.std[c];
  }
}

/** v · std + mean. */
export function denormalize(values: ArrayLike<number>, stats: FeatureStats): Float32Array {
  const w = stats.mean.length;
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const c = i % w;
    out[i] = values[i] * stats.std[c] + stats.mean[c];
  }
  return out;
}
