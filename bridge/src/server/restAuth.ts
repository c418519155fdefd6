/**
 * Authentication and authorization shared by every REST plugin: a token on
 * every request (on loopback the access policy needs none), and changes
 * allowed to operators and admins only — each change audited, refusals too.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditLog } from '../access/AuditLog.ts';
import type { AccessPolicy, Principal } from '../access/AccessPolicy.ts';
import { roleAllows } from '../protocol/Role.ts';
import { HttpError } from './HttpError.ts';

/** The token of `Authorization: Bearer <token>`, if well formed. */
export function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : undefined;
}

/** The principal a request carries, or a 401 saying what was found instead. */
export function authenticate(access: AccessPolicy, req: FastifyRequest): Principal {
  const token = bearer(req);
  const principal = access.authenticate(token);
  if (principal) return principal;
  const found = req.headers.authorization === undefined ? 'no Authorization header' : token === undefined ? 'a malformed Authorization header' : 'an unknown token';
  throw new HttpError(401, 'unauthorized', `this bridge requires an access token; expected Authorization: Bearer <token>, found ${found}`, 'use the token printed when the bridge first started, or ask an admin for one');
}

/**
 * Adds an onRequest hook to this plugin that authenticates every request,
 * and returns the getter for the caller of a request that passed it.
 */
export function authenticateRequests(app: FastifyInstance, access: AccessPolicy): (req: FastifyRequest) => Principal {
  const principals = new WeakMap<FastifyRequest, Principal>();
  app.addHook('onRequest', async (req) => {
    principals.set(req, authenticate(access, req));
  });
  return (req) => principals.get(req)!;
}

/**
 * Allows `action` to operators and admins (403 for a viewer, saying what it
 * may not do), and records it in the audit log either way.
 */
export function requireControl(audit: AuditLog, p: Principal, action: string, detail: Record<string, unknown>, what: string): Principal {
  const entry = { who: p.name, clientId: 'rest', role: p.role, principal: p.name, action, detail };
  if (!roleAllows(p.role, 'control')) {
    audit.record({ ...entry, result: 'refused', code: 'forbidden' });
    throw new HttpError(403, 'forbidden', `role ${p.role} may not ${what}; it needs operator or admin`, 'ask an operator, or an admin for an operator token');
  }
  audit.record({ ...entry, result: 'accepted' });
  return p;
}
