// rosbridge's Capability.basic_type_check, with its messages, so a client
// sees the same complaint from the sim as from a real cell.
import { GraphError } from './RosGraph.ts';

export type FieldKind = 'string' | 'number' | 'integer' | 'boolean' | 'object';
export type FieldSpec = [required: boolean, name: string, kind: FieldKind];

export function checkFields(msg: Record<string, unknown>, specs: FieldSpec[]): void {
  for (const [required, name, kind] of specs) {
    const v = msg[name];
    if (v === undefined) {
      if (required) throw new GraphError(`Expected a ${name} field but none was found.`);
      continue;
    }
    const ok =
      kind === 'integer' ? Number.isInteger(v)
      : kind === 'object' ? v !== null && typeof v === 'object' && !Array.isArray(v)
      : typeof v === kind;
    if (!ok) throw new GraphError(`Expected field ${name} to be one of ${kind}. Invalid value: ${JSON.stringify(v)}`);
  }
}
