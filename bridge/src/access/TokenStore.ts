/**
 * Access tokens of the bridge, in one JSON file (default
 * `~/.cellkit/tokens.json`, mode 0600). Only SHA-256 hashes are stored: a
 * token is 256 random bits, so a slow password hash buys nothing, and a
 * leaked file does not leak tokens. The plain token is returned once, when
 * it is issued, and must be printed then or it is gone.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { isRole, type Role } from '../protocol/Role.ts';

export interface TokenRecord {
  /** Who or what the token is for, e.g. "admin (first start)", "line-3 tablet". Written to the audit log. */
  name: string;
  role: Role;
  /** Hex SHA-256 of the token. */
  sha256: string;
  /** ISO time of issue. */
  createdAt: string;
}

interface TokenFileContent {
  version: 1;
  tokens: TokenRecord[];
}

export interface TokenStoreOptions {
  /** Default `~/.cellkit/tokens.json`. */
  path?: string;
  /** Create the file with one admin token if it does not exist. Default true. */
  createIfMissing?: boolean;
  /** Told about a too-open file mode (which is then fixed). Default: stderr. */
  warn?: (message: string) => void;
}

export interface OpenedTokenStore {
  store: TokenStore;
  /** The first admin token, plain, when the file was just created: print it once. */
  created?: { token: string; role: Role; name: string };
}

export const DEFAULT_TOKEN_FILE = join(homedir(), '.cellkit', 'tokens.json');

/** A fresh token: 32 random bytes, base64url (43 characters). */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

function sha256(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export class TokenStore {
  private constructor(
    readonly path: string,
    private tokens: TokenRecord[],
  ) {}

  static async open(opts: TokenStoreOptions = {}): Promise<OpenedTokenStore> {
    const path = opts.path ?? DEFAULT_TOKEN_FILE;
    const warn = opts.warn ?? ((m: string) => console.error(`[cellkit] ${m}`));
    let text: string | undefined;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (text === undefined) {
      if (opts.createIfMissing === false) {
        throw new Error(`token file ${path} does not exist; start the bridge once to create it, or pass createIfMissing`);
      }
      const store = new TokenStore(path, []);
      const name = 'admin (first start)';
      const token = await store.issue({ name, role: 'admin' });
      return { store, created: { token, role: 'admin', name } };
    }
    const mode = (await stat(path)).mode & 0o777;
    if (mode & 0o077) {
      warn(`token file ${path} had mode ${mode.toString(8)}; set to 600 (only its owner may read it)`);
      await chmod(path, 0o600);
    }
    return { store: new TokenStore(path, parseTokenFile(path, text)) };
  }

  /** The principal a token belongs to, or undefined. Compares hashes in constant time. */
  verify(token: string): { name: string; role: Role } | undefined {
    const h = sha256(token);
    let found: TokenRecord | undefined;
    for (const record of this.tokens) {
      const stored = Buffer.from(record.sha256, 'hex');
      // Keep scanning after a match so timing does not reveal the position.
      if (stored.length === h.length && timingSafeEqual(stored, h) && !found) found = record;
    }
    return found ? { name: found.name, role: found.role } : undefined;
  }

  /** Adds a token and saves the file; returns the plain token (the only time it exists). */
  async issue(opts: { name: string; role: Role }): Promise<string> {
    if (!isRole(opts.role)) throw new Error(`token role: expected viewer, operator or admin, found ${JSON.stringify(opts.role)}`);
    const token = generateToken();
    this.tokens.push({ name: opts.name, role: opts.role, sha256: sha256(token).toString('hex'), createdAt: new Date().toISOString() });
    await this.save();
    return token;
  }

  /** Removes every token with this name; returns how many. */
  async revoke(name: string): Promise<number> {
    const before = this.tokens.length;
    this.tokens = this.tokens.filter((t) => t.name !== name);
    if (this.tokens.length !== before) await this.save();
    return before - this.tokens.length;
  }

  list(): { name: string; role: Role; createdAt: string }[] {
    return this.tokens.map(({ name, role, createdAt }) => ({ name, role, createdAt }));
  }

  private async save(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const content: TokenFileContent = { version: 1, tokens: this.tokens };
    // Write then rename: a crash mid-write must not leave a truncated file that locks everyone out.
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, this.path);
  }
}

function parseTokenFile(path: string, text: string): TokenRecord[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`token file ${path}: expected JSON, found a parse error (${(err as Error).message}); fix or delete it (a new admin token is then printed)`);
  }
  const content = data as Partial<TokenFileContent>;
  if (content?.version !== 1 || !Array.isArray(content.tokens)) {
    throw new Error(`token file ${path}: expected { "version": 1, "tokens": [...] }, found ${text.slice(0, 80)}`);
  }
  content.tokens.forEach((t, i) => {
    if (typeof t?.name !== 'string' || !isRole(t.role) || typeof t.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(t.sha256)) {
      throw new Error(`token file ${path}: token ${i} expected { name, role: viewer|operator|admin, sha256: 64 hex }, found ${JSON.stringify(t)}`);
    }
  });
  return content.tokens;
}
