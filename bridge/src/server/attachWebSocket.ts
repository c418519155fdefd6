/**
 * The WebSocket endpoint, attached to fastify's own HTTP server: a `ws`
 * server in `noServer` mode takes the 'upgrade' of `/ws`; everything else
 * asking to upgrade is refused. One port serves the UI, the REST API and
 * the socket.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer } from 'ws';
import { WS_PATH } from '../protocol/protocolConstants.ts';
import { isLoopbackHost } from '../access/AccessPolicy.ts';
import type { SessionHub } from './SessionHub.ts';

function refuse(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`);
}

/**
 * Browsers send `Origin` with every WebSocket; a page from another site must
 * not reach the robot through this bridge (on loopback no token stops it).
 * Allowed: no Origin (not a browser), the bridge's own host, loopback hosts
 * (the Vite dev server), and `allowedOrigins`.
 */
export function originAllowed(origin: string | undefined, host: string | undefined, allowedOrigins: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (allowedOrigins.includes(origin)) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return url.host === host || isLoopbackHost(url.hostname);
}

export function attachWebSocket(app: FastifyInstance, hub: SessionHub): void {
  const wss = new WebSocketServer({ noServer: true, maxPayload: hub.options.maxFrameBytes });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = new URL(req.url ?? '/', 'http://bridge').pathname;
    if (path !== WS_PATH) return refuse(socket, 404, `no WebSocket at ${path}; expected ${WS_PATH}`);
    if (!originAllowed(req.headers.origin, req.headers.host, hub.options.allowedOrigins)) {
      hub.log('warn', `refused a WebSocket from origin ${req.headers.origin}`);
      return refuse(socket, 403, `origin ${req.headers.origin} is not allowed; add it to allowedOrigins`);
    }
    const remote = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
    wss.handleUpgrade(req, socket, head, (ws) => hub.attach(ws, remote));
  };
  app.server.on('upgrade', onUpgrade);

  // Close clients before the HTTP server waits for its connections to end (upgraded sockets count).
  app.addHook('preClose', async () => {
    app.server.off('upgrade', onUpgrade);
    hub.close();
    if (wss.clients.size > 0) {
      await new Promise<void>((resolve) => {
        const grace = setTimeout(() => {
          for (const c of wss.clients) c.terminate();
          resolve();
        }, 1000);
        const check = (): void => {
          if (wss.clients.size === 0) {
            clearTimeout(grace);
            resolve();
          }
        };
        for (const c of wss.clients) c.once('close', () => setImmediate(check));
      });
    }
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });
}
