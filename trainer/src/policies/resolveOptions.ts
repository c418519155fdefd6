// Shared option handling: overlay user options on defaults and reject unknown
// keys (a typo like `hiddenUnit` should fail loudly, not silently train the default).

export function overlayOptions<O extends object>(policy: string, defaults: O, opts: Partial<O> | undefined): O {
  const out = { ...defaults } as Record<string, unknown>;
  for (const [k, v] of Object.entries(opts ?? {})) {
    if (!(k in defaults)) {
      throw new Error(`policy '${policy}': unknown option '${k}'; expected one of [${Object.keys(defaults).join(', ')}]`);
    }
    if (v !== undefined) out[k] = v;
  }
  return out as O;
}

export function requirePositiveInts(policy: string, name: string, values: number[], minLength = 0): void {
  if (values.length < minLength || values.some((v) => !Number.isInteger(v) || v <= 0)) {
    throw new Error(`policy '${policy}': option '${name}' expected ${minLength > 0 ? `≥ ${minLength} ` : ''}positive integers, found [${values.join(', ')}]`);
  }
}
