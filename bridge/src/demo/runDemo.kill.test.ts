import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { EPISODE_TOPICS, openDatasetDir, validateDataset } from '@cellkit/datasets';
import { afterEach, beforeEach, expect, it } from 'vitest';

import { readEpisode } from '../recording/testing/readEpisode.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cellkit-demo-kill-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sha = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

// `cellkit demo` (sim, bridge and recorder in one process) killed with SIGKILL
// in the middle of an episode: no chance to flush or close anything.
it('a demo killed mid-episode loses nothing already recorded and at most the last second of the cut episode', async () => {
  const script = fileURLToPath(new URL('./testing/demoChild.ts', import.meta.url));
  const dataset = join(dir, 'pick');
  // Real time, so the sim's stamps (epoch-based) follow the wall clock the kill is timed on.
  const args = ['--task', 'pick_place', '--episodes', '3', '--speed', '1', '--camera-size', '64x48', '--dataset', dataset];
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const line = (pattern: RegExp, timeoutMs = 60_000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; stdout:\n${out}\nstderr:\n${err}`)), timeoutMs);
      const check = () => {
        if (!pattern.test(out)) return;
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve();
      };
      const onData = (d: Buffer) => {
        out += d.toString();
        check();
      };
      child.stdout.on('data', onData);
      check();
    });
  try {
    await line(/episode 3\/3 recording/);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  // Two closed episodes to protect; the third has been recording for a while.
  const before = [await sha(join(dataset, 'episodes', '000000.mcap')), await sha(join(dataset, 'episodes', '000001.mcap'))];
  await new Promise((r) => setTimeout(r, 2500));
  const killedAt = Date.now() / 1000;
  child.kill('SIGKILL');
  expect(await exited).toBe(null);
  expect(out).not.toMatch(/episode 3\/3 (success|failure)/);

  // Opening the dataset recovers the cut episode.
  const reopened = await openDatasetDir(dataset, { cache: 'none' });
  expect(reopened.recovered.map((r) => r.index)).toEqual([2]);
  const episodes = await reopened.listEpisodes();
  expect(episodes.map((e) => e.status)).toEqual(['complete', 'complete', 'recovered']);
  expect([await sha(join(dataset, 'episodes', '000000.mcap')), await sha(join(dataset, 'episodes', '000001.mcap'))]).toEqual(before);
  expect((await validateDataset(reopened)).filter((p) => p.severity === 'error')).toEqual([]);

  // The recovered episode holds data up to within a second of the kill, on the sim's (epoch) clock.
  const { byTopic } = await readEpisode(join(dataset, reopened.mcapPath(2)));
  const joints = byTopic.get(EPISODE_TOPICS.jointStates.topic)!;
  const lastStamp = joints.at(-1)!.stamp;
  console.log(`killed at ${killedAt.toFixed(3)}; last recorded joint stamp ${lastStamp.toFixed(3)} (${(killedAt - lastStamp).toFixed(3)} s before); ${joints.length} joint samples, ${byTopic.get(EPISODE_TOPICS.action.topic)!.length} actions kept`);
  expect(killedAt - lastStamp).toBeLessThan(1);
  expect(byTopic.get(EPISODE_TOPICS.action.topic)!.length).toBeGreaterThan(0);
  for (const [topic, list] of byTopic) {
    for (let i = 1; i < list.length; i++) expect(list[i]!.stamp, `${topic} stamp ${i}`).toBeGreaterThanOrEqual(list[i - 1]!.stamp);
  }
});
