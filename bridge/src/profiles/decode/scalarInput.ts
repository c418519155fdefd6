import type { CellInput } from '../RobotProfile.ts';

/** A numeric field of a small status message (`data`, `mode`...), scaled, or a problem. */
export function numberField(topic: string, msg: unknown, field: string): number | CellInput {
  const v = (msg as Record<string, unknown> | undefined)?.[field];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  return {
    kind: 'problem',
    problem: {
      severity: 'error',
      message: `${topic}: expected a finite number in "${field}", found ${JSON.stringify(v)}`,
      tip: 'Check the topic type in the cell config.',
    },
  };
}
