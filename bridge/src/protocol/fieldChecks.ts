/**
 * A tiny schema language for inbound messages, and its checker. The client
 * message specs (ClientMessage.ts) are written in it; they ARE the schema:
 * the server validates every decoded frame against them before acting, and
 * PROTOCOL.md documents the same bounds. No dependencies, so the UI can run
 * the same checks before sending.
 */

export type FieldSpec =
  | { kind: 'number'; min?: number; max?: number; integer?: boolean }
  | { kind: 'string'; minLength?: number; maxLength: number; pattern?: RegExp; patternText?: string }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'numbers'; minLength: number; maxLength: number; min?: number; max?: number }
  | { kind: 'strings'; minLength: number; maxLength: number; item: FieldSpec & { kind: 'string' } };

/** Fields of one message besides `op`: each required unless listed in `optional`. */
export interface MessageSpec {
  fields: Record<string, FieldSpec>;
  optional?: readonly string[];
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return `an array of ${x.length}`;
  if (x instanceof Uint8Array) return `${x.length} bytes`;
  if (typeof x === 'number') return String(x);
  if (typeof x === 'string') return x.length > 40 ? `a string of ${x.length} characters` : JSON.stringify(x);
  return typeof x;
}

function numberProblem(path: string, x: unknown, spec: { min?: number; max?: number; integer?: boolean }): string | undefined {
  // msgpack can carry NaN and ±Infinity; neither may ever reach the control layer.
  if (typeof x !== 'number' || !Number.isFinite(x)) return `${path}: expected a finite number, found ${describe(x)}`;
  if (spec.integer && !Number.isInteger(x)) return `${path}: expected an integer, found ${x}`;
  if (spec.min !== undefined && x < spec.min) return `${path}: expected at least ${spec.min}, found ${x}`;
  if (spec.max !== undefined && x > spec.max) return `${path}: expected at most ${spec.max}, found ${x}`;
  return undefined;
}

/** Why `x` does not satisfy `spec`, or undefined. `path` names the field in the message. */
export function fieldProblem(path: string, x: unknown, spec: FieldSpec): string | undefined {
  switch (spec.kind) {
    case 'number':
      return numberProblem(path, x, spec);
    case 'string': {
      if (typeof x !== 'string') return `${path}: expected a string, found ${describe(x)}`;
      const min = spec.minLength ?? 0;
      if (x.length < min || x.length > spec.maxLength) {
        return `${path}: expected ${min}..${spec.maxLength} characters, found ${x.length}`;
      }
      if (spec.pattern && !spec.pattern.test(x)) return `${path}: expected ${spec.patternText ?? String(spec.pattern)}, found ${describe(x)}`;
      return undefined;
    }
    case 'enum':
      if (typeof x !== 'string' || !spec.values.includes(x)) {
        return `${path}: expected one of ${spec.values.map((v) => JSON.stringify(v)).join(', ')}, found ${describe(x)}`;
      }
      return undefined;
    case 'numbers': {
      if (!Array.isArray(x)) return `${path}: expected an array of numbers, found ${describe(x)}`;
      if (x.length < spec.minLength || x.length > spec.maxLength) {
        const want = spec.minLength === spec.maxLength ? `${spec.minLength}` : `${spec.minLength}..${spec.maxLength}`;
        return `${path}: expected ${want} numbers, found ${x.length}`;
      }
      for (let i = 0; i < x.length; i++) {
        const p = numberProblem(`${path}[${i}]`, x[i], spec);
        if (p) return p;
      }
      return undefined;
    }
    case 'strings': {
      if (!Array.isArray(x)) return `${path}: expected an array of strings, found ${describe(x)}`;
      if (x.length < spec.minLength || x.length > spec.maxLength) {
        return `${path}: expected ${spec.minLength}..${spec.maxLength} entries, found ${x.length}`;
      }
      for (let i = 0; i < x.length; i++) {
        const p = fieldProblem(`${path}[${i}]`, x[i], spec.item);
        if (p) return p;
      }
      return undefined;
    }
  }
}

/** A plain object (decoded msgpack map), not an array, buffer or null. */
export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x) || x instanceof Uint8Array) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/**
 * Why `msg` (already known to be a plain object with this `op`) does not
 * match `spec`, or undefined. Unknown fields are refused, not ignored: a
 * misspelt optional field (`maxrateHz`) would otherwise silently do nothing.
 */
export function messageProblem(op: string, msg: Record<string, unknown>, spec: MessageSpec): string | undefined {
  for (const key of Object.keys(msg)) {
    if (key !== 'op' && !Object.prototype.hasOwnProperty.call(spec.fields, key)) {
      const known = Object.keys(spec.fields);
      return `${op}: unexpected field "${key}"; expected ${known.length ? known.join(', ') : 'no fields besides op'}`;
    }
  }
  for (const [key, fieldSpec] of Object.entries(spec.fields)) {
    const value = msg[key];
    if (value === undefined) {
      if (spec.optional?.includes(key)) continue;
      return `${op}: missing field "${key}"`;
    }
    const p = fieldProblem(`${op}.${key}`, value, fieldSpec);
    if (p) return p;
  }
  return undefined;
}
