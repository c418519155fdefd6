/**
 * The audit log: one JSON line per control action — lease taken or
 * released, teleop started (the first jog after a pause, not every frame),
 * teleop refused, e-stop, reset, record, policy — with who, role, when,
 * what, and the result. Append-only; the writer is injected so tests keep
 * lines in memory and the bridge appends to a file.
 */
import { createWriteStream } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Role } from '../protocol/Role.ts';

export interface AuditEntry {
  /** s since the epoch. */
  time: number;
  /** The client's `hello.clientName` (or `system` for the bridge itself). */
  who: string;
  clientId: string;
  role: Role | 'system';
  /** The token's name when tokens are required, `local` on loopback. */
  principal: string;
  /** What was attempted: the op (`lease.acquire`, `teleop.joints`, `estop`, ...) or an event (`lease.lost`). */
  action: string;
  result: 'accepted' | 'refused';
  /** The refusal code, when refused. */
  code?: string;
  message?: string;
  /** Action arguments worth keeping (e-stop reason, dataset, ...). */
  detail?: Record<string, unknown>;
}

/** Where lines go. `write` gets one complete line including its newline. */
export interface AuditWriter {
  write(line: string): void;
  close?(): Promise<void>;
}

export const DEFAULT_AUDIT_FILE = join(homedir(), '.cellkit', 'audit.log');

export class AuditLog {
  private readonly writer: AuditWriter;
  private readonly now: () => number;

  constructor(opts: { writer: AuditWriter; now?: () => number }) {
    this.writer = opts.writer;
    this.now = opts.now ?? (() => Date.now() / 1000);
  }

  /** Appends to `path` (created with mode 0600, never truncated). */
  static toFile(path: string = DEFAULT_AUDIT_FILE, opts: { onError?: (err: Error) => void } = {}): AuditLog {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const stream = createWriteStream(path, { flags: 'a', mode: 0o600 });
    // A failing disk must not crash the bridge mid-teleop; report and carry on.
    stream.on('error', opts.onError ?? ((err) => console.error(`[cellkit] audit log ${path}: ${err.message}`)));
    return new AuditLog({
      writer: {
        write: (line) => void stream.write(line),
        close: () => new Promise<void>((resolve) => stream.end(() => resolve())),
      },
    });
  }

  /** Keeps lines in memory (tests, or a bridge run without a log file). */
  static inMemory(): { audit: AuditLog; lines: string[] } {
    const lines: string[] = [];
    return { audit: new AuditLog({ writer: { write: (l) => void lines.push(l) } }), lines };
  }

  record(entry: Omit<AuditEntry, 'time'> & { time?: number }): void {
    const full: AuditEntry = { ...entry, time: entry.time ?? this.now() };
    // Fixed key order keeps lines greppable and diffable.
    const ordered = {
      time: full.time,
      at: new Date(full.time * 1000).toISOString(),
      who: full.who,
      clientId: full.clientId,
      role: full.role,
      principal: full.principal,
      action: full.action,
      result: full.result,
      ...(full.code !== undefined ? { code: full.code } : {}),
      ...(full.message !== undefined ? { message: full.message } : {}),
      ...(full.detail !== undefined ? { detail: full.detail } : {}),
    };
    this.writer.write(`${JSON.stringify(ordered)}\n`);
  }

  async close(): Promise<void> {
    await this.writer.close?.();
  }
}
