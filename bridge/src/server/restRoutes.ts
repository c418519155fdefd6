/**
 * The REST API under /api: read-only views for dashboards and scripts.
 * Control goes over the WebSocket only (it needs a session and the lease).
 * When the bridge requires tokens, every /api request needs
 * `Authorization: Bearer <token>`.
 */
import type { FastifyInstance } from 'fastify';
import type { Principal } from '../access/AccessPolicy.ts';
import { PROTOCOL_VERSION } from '../protocol/protocolConstants.ts';
import { HttpError } from './HttpError.ts';
import { authenticate } from './restAuth.ts';
import { roleAllows } from '../protocol/Role.ts';
import { cellRouteSchema, clientsRouteSchema, healthRouteSchema, sessionRouteSchema } from './restSchemas.ts';
import type { SessionHub } from './SessionHub.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the /api auth hook. */
    principal?: Principal;
  }
}

/** Registered with `{ prefix: '/api' }`. */
export async function restRoutes(app: FastifyInstance, opts: { hub: SessionHub }): Promise<void> {
  const { hub } = opts;

  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (req) => {
    req.principal = authenticate(hub.access, req);
  });

  app.get('/health', { schema: healthRouteSchema }, async () => {
    const connection = hub.cell.health();
    const status = hub.control.status();
    return {
      ok: connection.state === 'connected',
      protocolVersion: PROTOCOL_VERSION,
      connection,
      uptime: Date.now() / 1000 - hub.startedAt,
      clients: hub.clientCount,
      leaseHolder: status.leaseHolder ?? null,
      estopped: status.estopped,
    };
  });

  app.get('/cell', { schema: cellRouteSchema }, async () => {
    const { op: _op, ...status } = hub.stateMessage();
    return { description: hub.cell.description, limits: hub.limits(), status };
  });

  app.get('/session', { schema: sessionRouteSchema }, async (req) => ({
    role: req.principal!.role,
    name: req.principal!.name,
    requiresToken: hub.access.requiresToken,
  }));

  // Who is connected, from where, and how far behind: names and addresses are for admins only.
  app.get('/clients', { schema: clientsRouteSchema }, async (req) => {
    if (!roleAllows(req.principal!.role, 'settings')) {
      throw new HttpError(403, 'forbidden', `role ${req.principal!.role} may not list clients; it needs admin`, 'ask an admin');
    }
    return { clients: hub.clientInfo() };
  });
}
