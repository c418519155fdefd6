import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { openDatasetDir } from '@cellkit/datasets';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { AuditLog } from '../access/index.ts';
import { startStack, type RunningStack } from '../app/startStack.ts';
import { createRecordCommand } from './recordCommand.ts';

let stack: RunningStack;
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cellkit-record-cli-'));
  stack = await startStack({ sim: { port: 0, speed: 1, cameras: [] }, port: 0, auditLog: AuditLog.inMemory().audit, dataDir });
});
afterAll(async () => {
  await stack?.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function record(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await createRecordCommand({ print: (l) => out.push(l), printError: (l) => err.push(l) }).run([...argv, '--url', stack.wsUrl, '--name', 'cli-operator']);
  return { code, out, err };
}

it('cellkit record starts and stops an episode on a running bridge, and says why when refused', async () => {
  expect((await record('status')).out[0]).toMatch(/^idle; nothing recorded yet/);
  const started = await record('start', '--dataset', 'cli', '--task', 'hold still');
  expect(started.code).toBe(0);
  expect(started.out[0]).toMatch(/^recording episode 0 of cli \(hold still\)/);
  expect(stack.recording.status().state).toBe('recording');

  const busy = await record('start', '--dataset', 'cli', '--task', 'again');
  expect(busy.code).toBe(1);
  expect(busy.err[0]).toMatch(/busy: .*expected the recorder idle/);
  expect(busy.err[0]).toMatch(/→ Stop the current episode first/);

  await new Promise((r) => setTimeout(r, 500));
  const stopped = await record('stop', '--outcome', 'failure', '--notes', 'from the command line');
  expect(stopped.code).toBe(0);
  expect(stopped.out[0]).toMatch(/^idle; last: episode 0 of cli, failure, complete/);

  const dataset = await openDatasetDir(join(dataDir, 'cli'), { cache: 'none' });
  expect(await dataset.getEpisode(0)).toMatchObject({ task: 'hold still', operator: 'cli-operator', outcome: 'failure', notes: expect.stringContaining('from the command line'), status: 'complete' });
  const bad = await record('start', '--dataset', '../up', '--task', 'x');
  expect(bad.code).toBe(1);
  expect(bad.err[0]).toMatch(/invalid_message: .*dataset/);
});
