/**
 * Builds the app, decides access from the bind address, and listens.
 * Loopback (the default) asks no token; any other address requires one,
 * from the token file, creating it with a first admin token that is printed
 * once.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { type AccessPolicy, accessForBind } from '../access/AccessPolicy.ts';
import { AuditLog, DEFAULT_AUDIT_FILE } from '../access/AuditLog.ts';
import { DEFAULT_TOKEN_FILE } from '../access/TokenStore.ts';
import { WS_PATH } from '../protocol/protocolConstants.ts';
import { type BuildAppOptions, buildApp, defaultLog } from './buildApp.ts';

export interface StartServerOptions extends Omit<BuildAppOptions, 'access' | 'auditLog'> {
  /** Interface to bind. Default 127.0.0.1: only this machine can connect. */
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Overrides the policy derived from `host`. */
  access?: AccessPolicy;
  /** Token file for non-loopback binds. Default ~/.cellkit/tokens.json. */
  tokenFile?: string;
  /** Default: `AuditLog.toFile(auditFile)`. */
  auditLog?: AuditLog;
  /** Used when `auditLog` is absent. Default ~/.cellkit/audit.log. */
  auditFile?: string;
  /** Where the first admin token is printed (once). Default stdout. */
  announce?: (line: string) => void;
}

export interface RunningServer {
  app: FastifyInstance;
  host: string;
  port: number;
  /** http://host:port */
  url: string;
  /** ws://host:port/ws */
  wsUrl: string;
  /** Closes clients, the server, and the audit log if this call opened it. */
  close(): Promise<void>;
}

export async function startServer(opts: StartServerOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 8080;
  const log = opts.log ?? defaultLog;
  let access = opts.access;
  if (!access) {
    const tokenFile = opts.tokenFile ?? DEFAULT_TOKEN_FILE;
    const bound = await accessForBind({ host, tokenFile, warn: (m) => log('warn', m) });
    access = bound.access;
    if (bound.createdToken) {
      (opts.announce ?? console.log)(
        `cellkit bridge: listening beyond loopback (${host}) requires a token. Admin token, shown once (stored hashed in ${tokenFile}):\n  ${bound.createdToken}`,
      );
    }
  }
  const ownAudit = opts.auditLog === undefined;
  const auditLog = opts.auditLog ?? AuditLog.toFile(opts.auditFile ?? DEFAULT_AUDIT_FILE, { onError: (err) => log('error', `audit log: ${err.message}`) });
  const app = buildApp({ ...opts, access, auditLog, log });
  try {
    await app.listen({ host, port });
  } catch (err) {
    await app.close();
    if (ownAudit) await auditLog.close();
    throw new Error(`bridge: could not listen on ${host}:${port}: ${(err as Error).message}; pick another port (0 = any free one)`);
  }
  const address = app.server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    app,
    host,
    port: address.port,
    url: `http://${shown}:${address.port}`,
    wsUrl: `ws://${shown}:${address.port}${WS_PATH}`,
    close: async () => {
      await app.close();
      if (ownAudit) await auditLog.close();
    },
  };
}
