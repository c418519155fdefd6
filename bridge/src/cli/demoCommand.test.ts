import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { EPISODE_TOPICS, openDatasetDir, validateDataset } from '@cellkit/datasets';
import { datasetToTrainingData } from '@cellkit/trainer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { FUMBLE_PERTURBATION } from '../../sim/experts/index.ts';

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

  it('--noise: the sim arm drifts off the commands (tracking error), the recorded actions stay the expert\'s commands', async () => {
    /** Mean |measured joint velocity − the action in force 40 ms earlier| while moving (rad/s). */
    const trackingError = async (noise: string): Promise<number> => {
      const name = `reach-${noise.replace('.', '')}`;
      const demo = createDemoCommand({ auditLog: AuditLog.inMemory().audit, print: () => undefined });
      expect(await demo.run(['--task', 'reach', '--episodes', '1', '--seed', '7', '--dataset', join(dir, name), '--cameras', 'none', '--noise', noise])).toBe(0);
      const dataset = await openDatasetDir(join(dir, name), { cache: 'none' });
      expect((await dataset.listEpisodes())[0].outcome).toBe('success');
      const { byTopic } = await readEpisode(join(dir, name, dataset.mcapPath(0)));
      const actions = byTopic.get(EPISODE_TOPICS.action.topic)!.map((a) => ({ t: a.stamp, v: Array.from(a.msg.velocity as Float64Array) }));
      let sum = 0;
      let n = 0;
      let k = 0;
      for (const js of byTopic.get(EPISODE_TOPICS.jointStates.topic)!) {
        while (k + 1 < actions.length && actions[k + 1].t <= js.stamp - 0.04) k++;
        const a = actions[k];
        if (a.t > js.stamp - 0.04 || a.v.every((x) => x === 0)) continue;
        for (let j = 0; j < 6; j++) sum += Math.abs(js.msg.velocity[j] - a.v[j]);
        n += 6;
      }
      expect(n).toBeGreaterThan(100);
      return sum / n;
    };
    const clean = await trackingError('0');
    const noisy = await trackingError('0.1');
    // Measured: clean ~0.008 rad/s (ramps, servo lag), σ 0.1 ~0.07. Noise added to the
    // commands instead would be in the actions too: the arm would track them as cleanly.
    expect(clean).toBeLessThan(0.02);
    expect(noisy).toBeGreaterThan(4 * clean);
  });

  it('--fumble: the deliberate miss is recorded as a span excluded from training; the recovery after it is kept', async () => {
    const lines: string[] = [];
    const demo = createDemoCommand({ auditLog: AuditLog.inMemory().audit, print: (l) => lines.push(l) });
    const name = join(dir, 'pick-fumble');
    expect(await demo.run(['--task', 'pick_place', '--episodes', '1', '--seed', '5', '--dataset', name, '--cameras', 'none', '--fumble', '1'])).toBe(0);
    expect(lines.find((l) => /^episode 1\/1 (success|failure)/.test(l))).toMatch(/success .* \d+\.\d\d s excluded from training \(fumbled first grasp/);
    const dataset = await openDatasetDir(name, { cache: 'none' });
    const [meta] = await dataset.listEpisodes();
    expect(meta.outcome).toBe('success');
    expect(meta.excluded).toHaveLength(1);
    const span = meta.excluded![0];
    expect(span.reason).toBe(FUMBLE_PERTURBATION);

    // On the streams' clock: it starts with the first command and covers the close on nothing.
    const { byTopic } = await readEpisode(join(name, dataset.mcapPath(0)));
    const actions = byTopic.get(EPISODE_TOPICS.action.topic)!.map((a) => ({ t: a.stamp, gripper: a.msg.gripper as number, moving: Array.from(a.msg.velocity as Float64Array).some((v) => v !== 0) }));
    const firstMove = actions.find((a) => a.moving)!.t;
    expect(Math.abs(span.start - firstMove)).toBeLessThan(0.05);
    const inside = actions.filter((a) => a.t >= span.start && a.t <= span.end);
    expect(inside.some((a) => a.gripper > 0.5)).toBe(true); // closed (on nothing) inside the span
    expect(actions.at(-1)!.t - span.end).toBeGreaterThan(2); // the regrasp and place come after it

    // Training reads no frame inside the span and keeps the rest.
    const { data, report } = await datasetToTrainingData(dataset, { rate: 20, cameras: [] });
    expect(report.frames.excluded).toBeGreaterThan(20);
    expect(report.frames.total).toBe(report.frames.used + report.frames.droppedAtEdges + report.frames.droppedInside + report.frames.droppedShortSegments + report.frames.excluded);
    expect(report.segments).toHaveLength(1);
    const aligned = await dataset.readAligned(0, { rate: 20, cameras: [] });
    const first = report.segments[0].start;
    expect(aligned.timestamps[first]).toBeGreaterThan(span.end);
    expect(aligned.timestamps[first - 1]).toBeLessThanOrEqual(span.end);
    const kept = data.episodes[0];
    const command = data.actionNames.findIndex((n) => /gripper|finger/.test(n));
    const finger = data.stateNames.findIndex((n) => /gripper|finger/.test(n));
    expect([data.actionNames[command], data.stateNames[finger]]).toEqual([expect.any(String), expect.any(String)]);
    // The kept frames start on the grip closed on nothing (reading 0..1, 1 = closed) and open it within a second.
    expect(kept.states[finger]).toBeGreaterThan(0.9);
    const S = data.stateNames.length;
    const A = data.actionNames.length;
    const opens = Array.from({ length: kept.length }, (_, t) => t).find((t) => kept.actions[t * A + command] === 0)!;
    expect(opens).toBeGreaterThan(0);
    expect(opens).toBeLessThan(20);
    expect(kept.states[(opens - 1) * S + finger]).toBeGreaterThan(0.9);
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

  for (const [option, bad] of [['--fumble', '2'], ['--nudge', '1.5']]) {
    it(`refuses ${option} outside 0..1 or on a task other than pick_place, saying what it expects`, async () => {
      const errors: string[] = [];
      const original = console.error;
      console.error = (m: string) => void errors.push(m);
      try {
        expect(await main(['demo', '--task', 'pick_place', '--dataset', join(dir, 'bad-a'), option, bad])).toBe(2);
        expect(await main(['demo', '--task', 'reach', '--dataset', join(dir, 'bad-b'), option, '0.3', '--cameras', 'none'])).toBe(2);
      } finally {
        console.error = original;
      }
      expect(errors.join('\n')).toMatch(new RegExp(`${option} expects a fraction of episodes between 0 and 1.*got '${bad}'`));
      expect(errors.join('\n')).toMatch(new RegExp(`${option} applies to --task pick_place only, found 'reach'`));
    });
  }
});
