/**
 * Who may connect, and as what. The rule follows the bind address: a bridge
 * listening on loopback is reachable only from this machine, whose users can
 * already drive the robot, so no token is asked and everyone is admin. Bound
 * to any other address, every client needs a token (WebSocket `hello.token`,
 * REST `Authorization: Bearer`), and its role comes from the token.
 */
import type { Role } from '../protocol/Role.ts';
import { DEFAULT_TOKEN_FILE, TokenStore } from './TokenStore.ts';

/** An authenticated client: its role and the token's name (for the audit log). */
export interface Principal {
  role: Role;
  name: string;
}

export interface AccessPolicy {
  /** Whether clients must present a token. */
  readonly requiresToken: boolean;
  /** The principal for a presented token (or none), undefined when refused. */
  authenticate(token: string | undefined): Principal | undefined;
}

/** Loopback: everyone is admin, tokens are ignored. */
export function openAccess(): AccessPolicy {
  return { requiresToken: false, authenticate: () => ({ role: 'admin', name: 'local' }) };
}

/** Tokens required; `verify` maps a token to its principal (a `TokenStore`, or a fake in tests). */
export function tokenAccess(tokens: { verify(token: string): Principal | undefined }): AccessPolicy {
  return {
    requiresToken: true,
    authenticate: (token) => (typeof token === 'string' && token.length > 0 ? tokens.verify(token) : undefined),
  };
}

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\./.test(h);
}

export interface AccessForBindOptions {
  host: string;
  /** Default `~/.cellkit/tokens.json`. */
  tokenFile?: string;
  warn?: (message: string) => void;
}

/**
 * The policy for a bind address; for a non-loopback one, opens (or creates)
 * the token file. `createdToken` is the first admin token when the file was
 * just created: the caller prints it once.
 */
export async function accessForBind(opts: AccessForBindOptions): Promise<{ access: AccessPolicy; store?: TokenStore; createdToken?: string }> {
  if (isLoopbackHost(opts.host)) return { access: openAccess() };
  const { store, created } = await TokenStore.open({ path: opts.tokenFile ?? DEFAULT_TOKEN_FILE, warn: opts.warn });
  return { access: tokenAccess(store), store, createdToken: created?.token };
}
