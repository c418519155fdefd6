import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAccess, tokenAccess } from '../access/AccessPolicy.ts';
import { AuditLog } from '../access/AuditLog.ts';
import { PROTOCOL_VERSION } from '../protocol/protocolConstants.ts';
import { buildApp } from './buildApp.ts';
import { FakeCell } from './testing/FakeCell.ts';
import { FakeControlPort } from './testing/FakeControlPort.ts';

const uiDir = mkdtempSync(join(tmpdir(), 'cellkit-ui-'));
writeFileSync(join(uiDir, 'index.html'), '<!doctype html><title>cellkit</title>');
writeFileSync(join(uiDir, 'app.js'), 'console.log("ui")');

let open: FastifyInstance;
let locked: FastifyInstance;
let cell: FakeCell;
let control: FakeControlPort;

beforeAll(async () => {
  cell = new FakeCell();
  control = new FakeControlPort(cell);
  const common = { cell, control, auditLog: AuditLog.inMemory().audit, log: () => {} };
  open = buildApp({ ...common, access: openAccess(), uiDir });
  locked = buildApp({ ...common, access: tokenAccess({ verify: (t) => (t === 'good' ? { role: 'viewer', name: 'screen' } : undefined) }) });
  await Promise.all([open.ready(), locked.ready()]);
});

afterAll(async () => {
  await Promise.all([open.close(), locked.close()]);
  rmSync(uiDir, { recursive: true, force: true });
});

describe('REST on loopback (no token)', () => {
  it('GET /api/health reports the connection, uptime and clients', async () => {
    cell.setHealth({ state: 'connected', lastMessageAge: 0.004 });
    const res = await open.inject({ method: 'GET', url: '/api/health' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ ok: true, protocolVersion: PROTOCOL_VERSION, clients: 0, leaseHolder: null, estopped: false });
    expect(body.connection).toEqual(cell.health());
    expect(body.uptime).toBeGreaterThanOrEqual(0);
  });

  it('GET /api/health says not ok while the cell connection is lost', async () => {
    cell.setHealth({ state: 'lost', error: 'ECONNREFUSED' });
    const body = (await open.inject({ method: 'GET', url: '/api/health' })).json();
    expect(body.ok).toBe(false);
    expect(body.connection).toMatchObject({ state: 'lost', error: 'ECONNREFUSED' });
    cell.setHealth({ state: 'connected', error: undefined });
  });

  it('GET /api/cell returns the description, limits and control state', async () => {
    control.estopped = true;
    const res = await open.inject({ method: 'GET', url: '/api/cell' });
    control.estopped = false;
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.description).toEqual(cell.description);
    expect(body.limits.teleop).toEqual({ ...control.limits, toolOffset: [0, 0, 0] });
    expect(body.limits.maxFrameBytes).toBe(256 * 1024);
    expect(body.status).toMatchObject({ estopped: true, leaseHolder: null, lastOutput: null, safetyMode: 1 });
    expect(body.status.gates).toEqual({ estop: false, connection: true, lease: false });
  });

  it('GET /api/session names the caller admin on loopback', async () => {
    const res = await open.inject({ method: 'GET', url: '/api/session' });
    expect(res.json()).toEqual({ role: 'admin', name: 'local', requiresToken: false });
  });

  it('answers unknown API paths with a coded 404', async () => {
    const res = await open.inject({ method: 'GET', url: '/api/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ statusCode: 404, code: 'not_found', error: 'Not Found' });
    expect(res.json().message).toContain('/api/health');
  });

  it('serves the UI, with index.html for client-side routes', async () => {
    const root = await open.inject({ method: 'GET', url: '/' });
    expect(root.statusCode).toBe(200);
    expect(root.body).toContain('<title>cellkit</title>');
    const asset = await open.inject({ method: 'GET', url: '/app.js' });
    expect(asset.body).toContain('console.log');
    const route = await open.inject({ method: 'GET', url: '/datasets/pick/episodes/3' });
    expect(route.statusCode).toBe(200);
    expect(route.body).toContain('<title>cellkit</title>');
  });

  it('refuses a uiDir without index.html, saying what to do', async () => {
    const app = buildApp({ cell, control, access: openAccess(), auditLog: AuditLog.inMemory().audit, uiDir: tmpdir() + '/does-not-exist', log: () => {} });
    await expect(app.ready()).rejects.toThrow(/expected a built UI with index.html/);
    await app.close().catch(() => {});
  });
});

describe('REST when tokens are required', () => {
  it('refuses requests without a valid bearer token with a coded 401', async () => {
    for (const authorization of [undefined, 'Bearer bad', 'Basic Zm9vOmJhcg==']) {
      const res = await locked.inject({ method: 'GET', url: '/api/cell', headers: authorization ? { authorization } : {} });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ code: 'unauthorized', error: 'Unauthorized' });
      expect(res.json().tip).toBeTruthy();
    }
  });

  it('accepts a valid bearer token and reports its role', async () => {
    const headers = { authorization: 'Bearer good' };
    expect((await locked.inject({ method: 'GET', url: '/api/health', headers })).statusCode).toBe(200);
    expect((await locked.inject({ method: 'GET', url: '/api/session', headers })).json()).toEqual({ role: 'viewer', name: 'screen', requiresToken: true });
  });

  it('lists clients for admins only', async () => {
    const res = await locked.inject({ method: 'GET', url: '/api/clients', headers: { authorization: 'Bearer good' } });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'forbidden' });
    expect((await open.inject({ method: 'GET', url: '/api/clients' })).json()).toEqual({ clients: [] });
  });

  it('without a UI, unknown paths are coded 404s', async () => {
    const res = await locked.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('not_found');
  });
});
