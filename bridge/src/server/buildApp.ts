/**
 * The bridge's browser-facing server as a fastify instance, not listening:
 * REST under /api, the WebSocket at /ws, the UI at /. `startServer` listens;
 * tests use `app.inject()` or listen on port 0.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { AccessPolicy } from '../access/AccessPolicy.ts';
import type { AuditLog } from '../access/AuditLog.ts';
import type { CellConnection } from '../cell/Cell.ts';
import { attachWebSocket } from './attachWebSocket.ts';
import type { RecordingPort } from '../recording/RecordingPort.ts';
import type { PolicyPort } from './PolicyPort.ts';
import type { ControlPort } from './ControlPort.ts';
import { installErrorHandler } from './HttpError.ts';
import { restRoutes } from './restRoutes.ts';
import { datasetRoutes } from './datasetRoutes.ts';
import { trainingRoutes } from '../training/trainingRoutes.ts';
import { serveUi } from './serveUi.ts';
import { DEFAULT_SESSION_OPTIONS, type LogFn, type SessionOptions } from './SessionContext.ts';
import { SessionHub } from './SessionHub.ts';

export interface BuildAppOptions {
  cell: CellConnection;
  control: ControlPort;
  /** Episode recording behind `record.start`/`record.stop`; absent, they are answered `not_implemented`. */
  recording?: RecordingPort;
  /** The policy runner behind `policy.start`/`stop`/`resume`; absent, they are answered `not_implemented`. */
  policy?: PolicyPort;
  /** Who may connect (`openAccess()` on loopback, `tokenAccess(store)` otherwise; see `accessForBind`). */
  access: AccessPolicy;
  auditLog: AuditLog;
  /** A built UI folder (with index.html) to serve at `/`. Default: none. */
  uiDir?: string;
  /** Default: warnings and errors to stderr. */
  log?: LogFn;
  /** WebSocket session tunables; see `SessionOptions` for defaults. */
  session?: Partial<SessionOptions>;
  /** Serve the Datasets API at /api/datasets for the datasets under `dir` (one folder each). Default: none. */
  datasets?: { dir: string; exportsDir?: string };
  /** Serve the Training API (/api/training, /api/policies): runs on `datasetsDir` into `policiesDir`, in a child process. Default: none. */
  training?: { datasetsDir: string; policiesDir: string };
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The WebSocket clients and their fan-out. */
    bridgeHub: SessionHub;
  }
}

export const defaultLog: LogFn = (level, message) => {
  if (level === 'warn' || level === 'error') console.error(`[cellkit bridge] ${level}: ${message}`);
};

export function buildApp(opts: BuildAppOptions): FastifyInstance {
  const log = opts.log ?? defaultLog;
  const options: SessionOptions = { ...DEFAULT_SESSION_OPTIONS, ...opts.session };
  const app = Fastify({ logger: false });
  const hub = new SessionHub({ cell: opts.cell, control: opts.control, recording: opts.recording, policy: opts.policy, access: opts.access, audit: opts.auditLog, options, log });
  app.decorate('bridgeHub', hub);
  // Timers and subscriptions start with the hub; stop them even if the app never listened.
  app.addHook('onClose', async () => hub.close());
  installErrorHandler(app, log);
  attachWebSocket(app, hub);
  app.register(restRoutes, { prefix: '/api', hub });
  if (opts.datasets) app.register(datasetRoutes, { prefix: '/api/datasets', hub, ...opts.datasets });
  if (opts.training) app.register(trainingRoutes, { prefix: '/api', hub, ...opts.training });
  app.register(serveUi, { uiDir: opts.uiDir });
  return app;
}
