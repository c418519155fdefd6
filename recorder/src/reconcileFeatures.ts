import { featuresFor } from '@cellkit/datasets/core';
import type { FeatureSpec } from '@cellkit/datasets/core';

/**
 * Completes a dataset's feature list with what the first episode showed: a
 * camera's size (unknown until its first frame, declared as 0×0) and a
 * gripper the start options did not mention. Never removes or reshapes a
 * known feature. Returns undefined when nothing changes.
 */
export function reconcileFeatures(
  features: FeatureSpec[],
  seen: { cameraSizes: Map<string, { width: number; height: number }>; gripper: boolean; jointNames: string[] },
): FeatureSpec[] | undefined {
  let changed = false;
  const out = features.map((f) => {
    const camera = /^observation\.images\.(.+)$/.exec(f.name)?.[1];
    const size = camera === undefined ? undefined : seen.cameraSizes.get(camera);
    if (size && size.width > 0 && (f.shape[0] === 0 || f.shape[1] === 0)) {
      changed = true;
      return { ...f, shape: [size.height, size.width, 3] };
    }
    return f;
  });
  const have = new Set(out.map((f) => f.name));
  const wanted = featuresFor({
    joints: seen.jointNames,
    gripper: seen.gripper,
    cameras: [...seen.cameraSizes].map(([name, s]) => ({ name, ...s })),
  });
  for (const f of wanted) {
    if (!have.has(f.name) && (f.name === 'observation.gripper' || f.name.startsWith('observation.images.'))) {
      out.push(f);
      changed = true;
    }
  }
  return changed ? out : undefined;
}
