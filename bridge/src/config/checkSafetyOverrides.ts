import type { SafetyLimits, Vec3 } from '../safety/index.ts';

type Fail = (field: string, expected: string, found: unknown) => never;

/** Field → [lower, upper, lowerOpen, upperOpen, unit]: the ranges a config may ask for. */
const NUMBER_RANGES: Record<string, [number, number, boolean, boolean, string]> = {
  maxTcpSpeed: [0, 1.0, true, false, 'm/s'],
  maxForce: [0, 500, true, false, 'N'],
  deadmanTimeout: [0, 1, true, false, 's'],
  maxObservationAge: [0, 1, true, false, 's'],
  publishRate: [0, 500, true, false, 'Hz'],
  jointPositionMargin: [0, 0.5, true, false, 'rad'],
  jointStopMargin: [0, 0.5, false, true, 'rad'],
  forceReleaseRatio: [0, 1, true, true, ''],
  forceRecoverySpeed: [0, 0.05, false, false, 'm/s'],
  forceRecoveryRise: [0, 100, true, false, 'N'],
  eventInterval: [0, 60, true, false, 's'],
};

/**
 * Shape- and range-check the `safety:` section of a cell config, field by
 * field, so a typo says which field and what was expected. The safety layer
 * validates the combination again against the arm (`resolveSafetyLimits`).
 */
export function checkSafetyOverrides(raw: unknown, fail: Fail): Partial<SafetyLimits> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) fail('safety', 'a mapping of limit names to values', raw);
  const out: Partial<SafetyLimits> = {};
  const o = out as Record<string, unknown>;
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const field = `safety.${key}`;
    const range = NUMBER_RANGES[key];
    if (range) {
      const [lo, hi, loOpen, hiOpen, unit] = range;
      const ok = typeof value === 'number' && Number.isFinite(value) && (loOpen ? value > lo : value >= lo) && (hiOpen ? value < hi : value <= hi);
      if (!ok) fail(field, `a number in ${loOpen ? '(' : '['}${lo}, ${Number.isInteger(hi) ? hi.toFixed(1) : hi}${hiOpen ? ')' : ']'}${unit ? ` ${unit}` : ''}`, value);
      o[key] = value;
    } else if (key === 'maxJointVelocity' || key === 'maxJointAcceleration') {
      if (!Array.isArray(value) || !value.every((x) => typeof x === 'number' && Number.isFinite(x) && x > 0)) {
        fail(field, `a list of positive numbers, one per joint (${key === 'maxJointVelocity' ? 'rad/s' : 'rad/s²'})`, value);
      }
      o[key] = [...(value as number[])];
    } else if (key === 'workspace') {
      o[key] = workspace(value, field, fail);
    } else if (key === 'allowedSafetyModes') {
      if (!Array.isArray(value) || value.length === 0 || !value.every((x) => Number.isInteger(x))) {
        fail(field, 'a non-empty list of UR SafetyMode integers (1 NORMAL, 2 REDUCED)', value);
      }
      o[key] = [...(value as number[])];
    } else {
      const known = [...Object.keys(NUMBER_RANGES), 'maxJointVelocity', 'maxJointAcceleration', 'workspace', 'allowedSafetyModes'];
      fail(field, `one of ${known.join(', ')}`, 'an unknown field');
    }
  }
  return out;
}

function workspace(value: unknown, field: string, fail: Fail): { min: Vec3; max: Vec3 } {
  const w = value as { min?: unknown; max?: unknown } | undefined;
  const vec = (v: unknown, name: string): Vec3 => {
    if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      fail(`${field}.${name}`, '[x, y, z] in metres, base frame', v);
    }
    return [...(v as number[])] as Vec3;
  };
  if (typeof w !== 'object' || w === null) fail(field, '{ min: [x, y, z], max: [x, y, z] } in metres', value);
  const min = vec(w.min, 'min');
  const max = vec(w.max, 'max');
  for (let k = 0; k < 3; k++) {
    if (!(min[k] < max[k])) fail(`${field}`, `min < max on every axis`, `${'xyz'[k]}: min ${min[k]}, max ${max[k]}`);
  }
  return { min, max };
}
