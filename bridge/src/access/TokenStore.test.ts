import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { accessForBind, isLoopbackHost, openAccess, tokenAccess } from './AccessPolicy.ts';
import { AuditLog } from './AuditLog.ts';
import { TokenStore } from './TokenStore.ts';

const dir = mkdtempSync(join(tmpdir(), 'cellkit-tokens-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('TokenStore', () => {
  it('creates the file with one admin token, stores only its hash, mode 0600', async () => {
    const path = join(dir, 'new', 'tokens.json');
    const { store, created } = await TokenStore.open({ path });
    expect(created).toMatchObject({ role: 'admin', name: 'admin (first start)' });
    expect(store.verify(created!.token)).toEqual({ role: 'admin', name: 'admin (first start)' });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'new')).mode & 0o777).toBe(0o700);
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain(created!.token);
    expect(JSON.parse(text).tokens[0].sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reopens the file with the same tokens, issues and revokes', async () => {
    const path = join(dir, 'reopen.json');
    const { created } = await TokenStore.open({ path });
    const { store, created: again } = await TokenStore.open({ path });
    expect(again).toBeUndefined();
    expect(store.verify(created!.token)?.role).toBe('admin');
    const op = await store.issue({ name: 'tablet', role: 'operator' });
    expect(op).not.toBe(created!.token);
    expect((await TokenStore.open({ path })).store.verify(op)).toEqual({ role: 'operator', name: 'tablet' });
    expect(store.verify('x')).toBeUndefined();
    expect(store.verify('')).toBeUndefined();
    expect(await store.revoke('tablet')).toBe(1);
    expect((await TokenStore.open({ path })).store.verify(op)).toBeUndefined();
    expect(store.list().map((t) => t.role)).toEqual(['admin']);
  });

  it('tightens a too-open file mode, and says so', async () => {
    const path = join(dir, 'loose.json');
    await TokenStore.open({ path });
    chmodSync(path, 0o644);
    const warnings: string[] = [];
    await TokenStore.open({ path, warn: (m) => warnings.push(m) });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(warnings[0]).toMatch(/mode 644; set to 600/);
  });

  it('refuses a corrupt file with what was expected and what to do', async () => {
    const path = join(dir, 'corrupt.json');
    writeFileSync(path, '{ nope', { mode: 0o600 });
    await expect(TokenStore.open({ path })).rejects.toThrow(/expected JSON.*fix or delete it/);
    writeFileSync(path, JSON.stringify({ version: 1, tokens: [{ name: 'x', role: 'god', sha256: 'ab' }] }));
    await expect(TokenStore.open({ path })).rejects.toThrow(/token 0 expected \{ name, role: viewer\|operator\|admin/);
    await expect(TokenStore.open({ path: join(dir, 'missing.json'), createIfMissing: false })).rejects.toThrow(/does not exist/);
  });
});

describe('AccessPolicy', () => {
  it('knows loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.20', '10.0.0.1', 'robot.local', '128.0.0.1']) expect(isLoopbackHost(h), h).toBe(false);
  });

  it('is open on loopback and token-based elsewhere', async () => {
    expect(openAccess().authenticate(undefined)).toEqual({ role: 'admin', name: 'local' });
    const locked = tokenAccess({ verify: (t) => (t === 'ok' ? { role: 'viewer', name: 'v' } : undefined) });
    expect(locked.requiresToken).toBe(true);
    expect(locked.authenticate(undefined)).toBeUndefined();
    expect(locked.authenticate('')).toBeUndefined();
    expect(locked.authenticate('ok')).toEqual({ role: 'viewer', name: 'v' });
    const bound = await accessForBind({ host: '0.0.0.0', tokenFile: join(dir, 'bind.json') });
    expect(bound.access.requiresToken).toBe(true);
    expect(bound.access.authenticate(bound.createdToken)?.role).toBe('admin');
    expect((await accessForBind({ host: '127.0.0.1', tokenFile: join(dir, 'never.json') })).access.requiresToken).toBe(false);
  });
});

describe('AuditLog', () => {
  it('writes one JSON line per entry with who, role, when, what and result', () => {
    const { audit, lines } = AuditLog.inMemory();
    audit.record({ time: 1_700_000_000, who: 'alice', clientId: 'client-1', role: 'operator', principal: 'tablet', action: 'estop', result: 'accepted', detail: { reason: 'r' } });
    expect(lines).toHaveLength(1);
    expect(lines[0].endsWith('\n')).toBe(true);
    expect(JSON.parse(lines[0])).toEqual({
      time: 1_700_000_000,
      at: '2023-11-14T22:13:20.000Z',
      who: 'alice',
      clientId: 'client-1',
      role: 'operator',
      principal: 'tablet',
      action: 'estop',
      result: 'accepted',
      detail: { reason: 'r' },
    });
  });

  it('appends to its file across reopenings', async () => {
    const path = join(dir, 'logs', 'audit.log');
    for (const who of ['a', 'b']) {
      const audit = AuditLog.toFile(path);
      audit.record({ who, clientId: 'c', role: 'admin', principal: 'local', action: 'lease.acquire', result: 'accepted' });
      await audit.close();
    }
    expect(readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l).who)).toEqual(['a', 'b']);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });
});
