/**
 * The built web UI, served from `uiDir` at `/`. Unknown non-API paths get
 * index.html so client-side routes (`/datasets/abc`) survive a reload; an
 * unknown /api path gets a coded 404.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { errorBody } from './HttpError.ts';

export async function serveUi(app: FastifyInstance, opts: { uiDir?: string }): Promise<void> {
  const uiDir = opts.uiDir === undefined ? undefined : resolve(opts.uiDir);
  if (uiDir !== undefined) {
    if (!existsSync(join(uiDir, 'index.html'))) {
      throw new Error(`uiDir ${uiDir}: expected a built UI with index.html, found none; build the ui (npm -w @cellkit/ui run build) or leave uiDir out`);
    }
    await app.register(fastifyStatic, { root: uiDir, prefix: '/' });
  }
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0];
    if (uiDir !== undefined && req.method === 'GET' && !path.startsWith('/api/') && path !== '/api') {
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    }
    return reply.status(404).send(errorBody(404, 'not_found', `no route ${req.method} ${path}; expected GET /api/health, /api/cell, /api/session, /api/clients or the WebSocket at /ws`));
  });
}
