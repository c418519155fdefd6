import { describe, expect, it } from 'vitest';

import { summaryLine } from '../bridge/src/cli/demoCommand.ts';
import type { DemoSummary as CliDemoSummary } from '../bridge/src/demo/runDemo.ts';
import { LineSplitter, LOOP_TASKS, loopCommands, parseDemoSummary, showLine } from './loopBench.ts';

describe('parseDemoSummary', () => {
  it('reads the line demoCommand prints (so a change to its format fails here, not an hour into the bench)', () => {
    const results = [
      ...Array.from({ length: 47 }, () => ({ outcome: 'success' })),
      ...Array.from({ length: 3 }, () => ({ outcome: 'failure' })),
    ];
    const summary = { results, successRate: 47 / 50, wallTime: 68.6, episodesPerMinute: 43.7 } as unknown as CliDemoSummary;
    const text = `demo: 50 × reach (seeds 0..49) …\nepisode 50/50 success …\n${summaryLine(summary, '/tmp/x/reach-demos')}\n`;
    expect(parseDemoSummary(text)).toEqual({ successes: 47, episodes: 50, wallSec: 68.6 });
  });

  it('returns null without a summary line', () => {
    expect(parseDemoSummary('demo: 50 × reach (seeds 0..49)\nepisode 1/50 recording (seed 0)\n')).toBeNull();
  });
});

describe('loopCommands', () => {
  it('builds the three steps from the table, seeds apart, paths in the run folder', () => {
    const c = loopCommands({ task: 'reach', dir: '/tmp/run', demos: 50, evalEpisodes: 20 });
    expect(c.demo).toEqual(['bridge/bin/cellkit.js', 'demo', '--task', 'reach', '--episodes', '50', '--dataset', '/tmp/run/reach-demos', '--seed', '0', ...LOOP_TASKS.reach.demo]);
    expect(c.train).toEqual(['bridge/bin/cellkit.js', 'train', '--dataset', '/tmp/run/reach-demos', '--policy', 'chunk', '--out', '/tmp/run/reach-policy', ...LOOP_TASKS.reach.train]);
    expect(c.eval).toEqual(['bridge/bin/cellkit.js', 'eval', '--policy', '/tmp/run/reach-policy', '--task', 'reach', '--episodes', '20', '--seed', '1000', ...LOOP_TASKS.reach.eval]);
  });

  it('replaces the table epochs when asked, keeping the other train options', () => {
    const c = loopCommands({ task: 'pick_place', dir: '/r', demos: 4, evalEpisodes: 3, epochs: 2 });
    const i = c.train.indexOf('--epochs');
    expect(c.train[i + 1]).toBe('2');
    expect(c.train.filter((a) => a === '--epochs')).toHaveLength(1);
    expect(c.train.slice(8)).toEqual(LOOP_TASKS.pick_place.train.map((a, k, all) => (all[k - 1] === '--epochs' ? '2' : a)));
  });

  it('refuses an unknown task, naming the known ones', () => {
    expect(() => loopCommands({ task: 'push', dir: '/r', demos: 1, evalEpisodes: 1 })).toThrow(/reach, pick_place/);
  });
});

describe('LineSplitter and showLine', () => {
  it('keeps the last drawing of a \\r-redrawn line, across chunk boundaries', () => {
    const s = new LineSplitter();
    expect(s.push('\r\x1b[2Kepoch 1/2 ██░ 1/3  loss 1\r\x1b[2Kepoch 1/2 ███ 3/3')).toEqual([]);
    expect(s.push('  loss 0.5\nepoch 2/2 done  loss 0.4')).toEqual(['epoch 1/2 ███ 3/3  loss 0.5']);
    expect(s.flush()).toEqual(['epoch 2/2 done  loss 0.4']);
  });

  it('streams episode results and completed epochs, not starts or mid-epoch progress', () => {
    expect(showLine('demo', 'episode 1/4 recording (seed 0)')).toBe(false);
    expect(showLine('demo', 'episode 1/4 success sim 2.54 s')).toBe(true);
    expect(showLine('train', 'epoch 1/2 step 10/30  loss 0.1')).toBe(false);
    expect(showLine('train', 'epoch 1/2 ███ 3/3  loss 0.5')).toBe(false);
    expect(showLine('train', 'epoch 1/2 done  loss 0.1')).toBe(true);
    expect(showLine('train', 'reading episodes 3/4')).toBe(false);
    expect(showLine('eval', 'episode 1/3 failure sim 10.00 s')).toBe(true);
    expect(showLine('eval', '2026-01-01T00:00:00Z warn [bridge] something')).toBe(true);
  });
});
