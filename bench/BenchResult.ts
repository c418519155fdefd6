/**
 * One figure printed by `npm run bench`: a measurement beside what it is
 * compared against, both measured in the same run, and the ratio.
 */
export interface BenchResult {
  /** What was measured, e.g. "sim joint_states rate at --speed 1". */
  name: string;
  value: number;
  unit: string;
  /** What it is compared against, e.g. "nominal 500 Hz" or "roslib straight to the sim". */
  against: string;
  reference: number;
  /** value ÷ reference. */
  ratio: number;
  /** The target, in words, e.g. "≥ 0.98". */
  target?: string;
  /** Whether the target was met (undefined when there is none). */
  met?: boolean;
}

export function result(r: Omit<BenchResult, 'ratio'> & { ratio?: number }): BenchResult {
  return { ...r, ratio: r.ratio ?? (r.reference !== 0 ? r.value / r.reference : NaN) };
}

export function formatResult(r: BenchResult): string {
  const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toFixed(3));
  const target = r.target ? `  target ${r.target} ${r.met === undefined ? '' : r.met ? '✓' : '✗'}` : '';
  return `${r.name}: ${fmt(r.value)} ${r.unit}  vs ${r.against} ${fmt(r.reference)} ${r.unit}  → ratio ${r.ratio.toFixed(3)}${target}`;
}
