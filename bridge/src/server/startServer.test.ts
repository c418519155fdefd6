// Binding beyond loopback: tokens required. The server binds 0.0.0.0 and the
// tests connect through 127.0.0.1 — access follows the bind address, not the
// client's, so this exercises the networked policy on this machine only.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TokenStore } from '../access/TokenStore.ts';
import type { ErrorMessage } from '../protocol/ServerMessage.ts';
import { PROTOCOL_VERSION } from '../protocol/protocolConstants.ts';
import { FakeCell } from './testing/FakeCell.ts';
import { FakeControlPort } from './testing/FakeControlPort.ts';
import { TestClient } from './testing/TestClient.ts';
import { type RunningServer, startServer } from './startServer.ts';

const dir = mkdtempSync(join(tmpdir(), 'cellkit-access-'));
const running: RunningServer[] = [];
const clients: TestClient[] = [];

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(running.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function start(opts: { host: string; tokenFile: string; auditFile: string }) {
  const announced: string[] = [];
  const cell = new FakeCell();
  const control = new FakeControlPort(cell);
  const server = await startServer({ ...opts, port: 0, cell, control, announce: (l) => announced.push(l), log: () => {} });
  running.push(server);
  const local = `127.0.0.1:${server.port}`;
  return { server, control, announced, wsUrl: `ws://${local}/ws`, httpUrl: `http://${local}` };
}

async function refusedHello(wsUrl: string, token?: string): Promise<void> {
  const client = await TestClient.connect(wsUrl);
  client.send({ op: 'hello', version: PROTOCOL_VERSION, clientName: 'stranger', ...(token ? { token } : {}) });
  const err = await client.next<ErrorMessage>((m) => m.op === 'error');
  expect(err.code).toBe('unauthorized');
  expect((await client.closed).code).toBe(4001);
}

describe('startServer beyond loopback', () => {
  it('creates a token file on first start, prints the admin token once, and requires it', async () => {
    const tokenFile = join(dir, 'first', 'tokens.json');
    const { server, announced, wsUrl, httpUrl } = await start({ host: '0.0.0.0', tokenFile, auditFile: join(dir, 'first', 'audit.log') });
    expect(server.url).toBe(`http://0.0.0.0:${server.port}`);
    expect(announced).toHaveLength(1);
    const token = /\n\s+(\S+)$/.exec(announced[0])![1];
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(tokenFile, 'utf8')).not.toContain(token);

    await refusedHello(wsUrl);
    await refusedHello(wsUrl, 'not-the-token');
    const { client, welcome } = await TestClient.welcomed(wsUrl, 'admin ui', token);
    clients.push(client);
    expect(welcome.role).toBe('admin');

    expect((await fetch(`${httpUrl}/api/health`)).status).toBe(401);
    const ok = await fetch(`${httpUrl}/api/session`, { headers: { authorization: `Bearer ${token}` } });
    expect(await ok.json()).toEqual({ role: 'admin', name: 'admin (first start)', requiresToken: true });
  });

  it('gives each token its role and appends control actions to the audit file', async () => {
    const tokenFile = join(dir, 'roles', 'tokens.json');
    const auditFile = join(dir, 'roles', 'audit.log');
    const { store, created } = await TokenStore.open({ path: tokenFile });
    expect(created?.role).toBe('admin');
    const viewerToken = await store.issue({ name: 'wall screen', role: 'viewer' });
    const operatorToken = await store.issue({ name: 'line 3 tablet', role: 'operator' });

    const first = await start({ host: '0.0.0.0', tokenFile, auditFile });
    expect(first.announced).toEqual([]); // the file existed: nothing new to print
    const viewer = await TestClient.welcomed(first.wsUrl, 'wall', viewerToken);
    const operator = await TestClient.welcomed(first.wsUrl, 'tablet', operatorToken);
    clients.push(viewer.client, operator.client);
    expect(viewer.welcome.role).toBe('viewer');
    expect(operator.welcome.role).toBe('operator');

    operator.client.send({ op: 'lease.acquire' });
    await operator.client.next((m) => m.op === 'lease' && m.holder === operator.welcome.clientId);
    viewer.client.send({ op: 'estop', reason: 'test' });
    await viewer.client.next((m) => m.op === 'state' && m.estopped);
    await Promise.all([viewer.client.close(), operator.client.close()]);
    await first.server.close();
    expect(statSync(auditFile).mode & 0o777).toBe(0o600);
    const firstLines = readFileSync(auditFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(firstLines.map((e) => [e.who, e.role, e.principal, e.action, e.result])).toEqual([
      ['wall', 'viewer', 'wall screen', 'hello', 'accepted'],
      ['tablet', 'operator', 'line 3 tablet', 'hello', 'accepted'],
      ['tablet', 'operator', 'line 3 tablet', 'lease.acquire', 'accepted'],
      ['wall', 'viewer', 'wall screen', 'estop', 'accepted'],
      ['tablet', 'operator', 'line 3 tablet', 'lease.release', 'accepted'],
    ]);

    // A restart appends; it never truncates the record.
    const second = await start({ host: '0.0.0.0', tokenFile, auditFile });
    await refusedHello(second.wsUrl);
    await second.server.close();
    const lines = readFileSync(auditFile, 'utf8').trim().split('\n');
    expect(lines.length).toBe(firstLines.length + 1);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ action: 'hello', result: 'refused', code: 'unauthorized' });
  });

  it('asks no token on loopback and creates no token file', async () => {
    const tokenFile = join(dir, 'loopback', 'tokens.json');
    const { server, announced } = await start({ host: '127.0.0.1', tokenFile, auditFile: join(dir, 'loopback', 'audit.log') });
    const { client, welcome } = await TestClient.welcomed(server.wsUrl, 'local ui');
    clients.push(client);
    expect(welcome.role).toBe('admin');
    expect(announced).toEqual([]);
    expect(existsSync(tokenFile)).toBe(false);
  });
});
