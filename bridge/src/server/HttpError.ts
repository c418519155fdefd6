/**
 * Coded REST errors, one JSON shape for all of them:
 * `{ statusCode, code, error, message, tip? }`. `code` is stable for
 * programs; `message` says expected vs found; `tip` says what to do.
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance } from 'fastify';
import type { LogFn } from './SessionContext.ts';

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly tip?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const errorResponseSchema = {
  type: 'object',
  required: ['statusCode', 'code', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string' },
    error: { type: 'string' },
    message: { type: 'string' },
    tip: { type: 'string' },
  },
} as const;

export interface ErrorBody {
  statusCode: number;
  code: string;
  error: string;
  message: string;
  tip?: string;
}

export function errorBody(statusCode: number, code: string, message: string, tip?: string): ErrorBody {
  const body: ErrorBody = { statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message };
  if (tip !== undefined) body.tip = tip;
  return body;
}

/** Installs the error handler on `app` (call at the root so every plugin's errors share it). */
export function installErrorHandler(app: FastifyInstance, log: LogFn): void {
  app.setErrorHandler((err: FastifyError | HttpError, req, reply) => {
    if (err instanceof HttpError) {
      return reply.status(err.statusCode).send(errorBody(err.statusCode, err.code, err.message, err.tip));
    }
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) log('error', `${req.method} ${req.url}: ${err.stack ?? err.message}`);
    const code = (err as FastifyError).validation ? 'invalid_request' : status >= 500 ? 'internal' : (err.code ?? 'error').toLowerCase();
    return reply.status(status).send(errorBody(status, code, err.message));
  });
}
