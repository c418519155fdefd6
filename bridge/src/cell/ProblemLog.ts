import type { Problem } from '../profiles/index.ts';

/**
 * Faults seen on a connection, deduplicated by message with a count, capped
 * (a decoder failing at 500 Hz must not grow memory or flood a listener).
 */
export class ProblemLog {
  private readonly entries: (Problem & { count: number })[] = [];

  constructor(
    private readonly onProblem?: (p: Problem) => void,
    private readonly max = 50,
  ) {}

  add(p: Problem): void {
    const known = this.entries.find((x) => x.message === p.message);
    if (known) {
      known.count++;
      return;
    }
    if (this.entries.length >= this.max) this.entries.shift();
    this.entries.push({ ...p, count: 1 });
    try {
      this.onProblem?.(p);
    } catch {
      // A failing listener must not break message handling.
    }
  }

  list(): (Problem & { count: number })[] {
    return this.entries.map((p) => ({ ...p }));
  }
}

/** A websocket close event in words. */
export function describeClose(e: unknown): string {
  const code = (e as { code?: unknown } | undefined)?.code;
  const reason = (e as { reason?: unknown } | undefined)?.reason;
  return `connection closed${code !== undefined ? ` (code ${String(code)}${reason ? `: ${String(reason)}` : ''})` : ''}`;
}

/** A transport error (Error, ws ErrorEvent, anything) in words. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  const inner = e as { message?: unknown; error?: unknown } | undefined;
  if (inner?.error instanceof Error) return inner.error.message;
  if (typeof inner?.message === 'string') return inner.message;
  return String(e);
}
