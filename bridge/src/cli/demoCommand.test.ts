import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { EPISODE_TOPICS, openDatasetDir, validateDataset } from '@cellkit/datasets';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { AuditLog } from '../access/index.ts';
import { readEpisode } from '../recording/testing/readEpisode.ts';
import { createDemoCommand } from './demoCommand.ts';
import { main } from './main.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cellkit-demo-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('cellkit demo', () => {
  it('records scripted reach episodes through the whole stack into a valid, labelled dataset', async () => {
    const lines: string[] = [];
    const audit = AuditLog.inMemory();
    const demo = createDemoCommand({ auditLog: audit.audit, print: (l) => lines.push(l) });
    const code = await demo.run(['--task', 'reach', '--episodes', '2', '--seed', '3', '--dataset', join(dir, 'reach'), '--camera-size', '64x48']);
    expect(code).toBe(0);

    // A progress line per episode (n/N, outcome, sim duration, wall time) and a summary.
    const progress = lines.filter((l) => /^episode \d\/2 (success|failure)/.test(l));
    expect(progress).toHaveLength(2);
    for (const l of progress) expect(l).toMatch(/sim \d+\.\d+ s\s+wall \d+\.\d+ s/);
    expect(lines.at(-1)).toMatch(/^demo: \d\/2 success \(\d+%\), 2 episodes in \d+\.\d s wall = \d+\.\d episodes\/min/);

    const dataset = await openDatasetDir(join(dir, 'reach'), { cache: 'none' });
    const episodes = await dataset.listEpisodes();
    expect(episodes.map((e) => e.index)).toEqual([0, 1]);
    const outcomes = progress.map((l) => /(success|failure)/.exec(l)![1]);
    expect(episodes.map((e) => e.outcome)).toEqual(outcomes);
    for (const e of episodes) expect(e).toMatchObject({ task: 'reach', operator: 'demo', status: 'complete' });
    expect(episodes.map((e) => e.notes)).toEqual([expect.stringMatching(/seed 3/), expect.stringMatching(/seed 4/)]);
    expect((await validateDataset(dataset)).filter((p) => p.severity === 'error')).toEqual([]);

    // The action is what the safety layer sent, from the teleop lease the demo held: it ends with zeros.
    const { byTopic } = await readEpisode(join(dir, 'reach', dataset.mcapPath(0)));
    const actions = byTopic.get(EPISODE_TOPICS.action.topic)!;
    expect(actions.length).toBeGreaterThan(10);
    expect(Array.from(actions.at(-1)!.msg.velocity as Float64Array).every((v) => v === 0)).toBe(true);
    expect(actions.some((a) => Array.from(a.msg.velocity as Float64Array).some((v) => Math.abs(v) > 0.01))).toBe(true);
    const events = byTopic.get(EPISODE_TOPICS.events.topic)!.map((e) => e.msg.code);
    expect(events).toContain('source.teleop');
    for (const camera of ['scene', 'wrist']) expect(byTopic.get(`/camera/${camera}/image_raw/compressed`)!.length).toBeGreaterThan(0);
  });

  it('refuses a dataset folder whose name is not a dataset name, with the usage', async () => {
    const errors: string[] = [];
    const original = console.error;
    console.error = (m: string) => void errors.push(m);
    try {
      expect(await main(['demo', '--dataset', join(dir, 'My Data')])).toBe(2);
    } finally {
      console.error = original;
    }
    expect(errors.join('\n')).toMatch(/name must be .*found 'My Data'/);
  });
});
