import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { McapIndexedReader } from '@mcap/core';
import { afterEach, beforeEach, expect, it } from 'vitest';

import { FileReadable } from './node/FileReadable.ts';
import { recoverEpisode } from './node/recoverEpisode.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cellkit-kill-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('recovers an episode whose writer process was killed with SIGKILL', async () => {
  const path = join(dir, '000000.mcap');
  const script = fileURLToPath(new URL('./testing/crashWriterProcess.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, path], { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  // Wait until several chunks are on disk (size, not time: no timing thresholds).
  for (;;) {
    const size = await stat(path).then((s) => s.size, () => 0);
    if (size > 3_000_000) break;
    if (child.exitCode !== null) throw new Error(`Writer process exited early with code ${child.exitCode}, file size ${size}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');

  const report = await recoverEpisode(path);
  expect(report.alreadyComplete).toBe(false);
  expect(report.chunkCount).toBeGreaterThan(2);
  const readable = await FileReadable.open(path);
  const reader = await McapIndexedReader.Initialize({ readable });
  const last = new Map<number, bigint>();
  let count = 0;
  for await (const m of reader.readMessages({ validateCrcs: true })) {
    expect(m.publishTime).toBeGreaterThanOrEqual(last.get(m.channelId) ?? 0n);
    last.set(m.channelId, m.publishTime);
    count++;
  }
  await readable.close();
  expect(count).toBe(report.messageCount);
  expect(Number(reader.statistics!.messageCount)).toBe(count);
});
