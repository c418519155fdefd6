import { describe, expect, it } from 'vitest';
import type { RecordingMessage } from '@cellkit/bridge/protocol';
import { datasetNameProblem, formatElapsed, formatRate, lastEpisodeText, streamLabel, streamRows, suggestDatasetName } from './recordingFormat.ts';

describe('dataset names', () => {
  it('accepts what the bridge accepts and explains the rest in words', () => {
    expect(datasetNameProblem('pick_cube-2')).toBeUndefined();
    expect(datasetNameProblem('')).toMatch(/Type a name/);
    expect(datasetNameProblem('Pick')).toMatch(/small letters/);
    expect(datasetNameProblem('pick cube')).toMatch(/No spaces/);
    expect(datasetNameProblem('_pick')).toMatch(/Start with a letter/);
    expect(datasetNameProblem('a'.repeat(65))).toMatch(/at most 64 .* 65/);
    expect(datasetNameProblem('pick.cube')).toMatch(/only small letters/);
  });
  it('suggests a valid name for a typed one', () => {
    expect(suggestDatasetName('  Pick the Cube! ')).toBe('pick_the_cube_');
    expect(datasetNameProblem(suggestDatasetName('Pick the Cube'))).toBeUndefined();
  });
});

describe('live quality', () => {
  const msg = (streams: NonNullable<RecordingMessage['quality']>['streams']): RecordingMessage => ({
    op: 'recording',
    state: 'recording',
    problems: [],
    quality: { flagged: false, flags: [], streams },
  });

  it('names streams for people and puts cameras first', () => {
    const rows = streamRows(
      msg({
        joints: { count: 1000, rate: 499.6, nominal: 500, drops: 0, missing: 0, skew: null },
        events: { count: 2, rate: null, nominal: null, drops: 0, missing: 0, skew: null },
        'camera/wrist': { count: 60, rate: 29.9, nominal: 30, drops: 0, missing: 0, skew: null },
        'camera/scene': { count: 60, rate: 30, nominal: 30, drops: 0, missing: 0, skew: null },
      }),
    );
    expect(rows.map((r) => r.label)).toEqual(['Scene camera', 'Wrist camera', 'Joint positions', 'Safety events']);
    expect(rows.map((r) => r.health)).toEqual(['ok', 'ok', 'ok', 'unrated']);
    expect(rows.every((r) => r.warning === undefined)).toBe(true);
  });

  it('warns in plain words when a camera falls behind or a stream sends nothing', () => {
    const rows = streamRows(
      msg({
        'camera/wrist': { count: 30, rate: 14.8, nominal: 30, drops: 0, missing: 0, skew: null, flag: 'camera/wrist: 14.8 Hz, under 90% of nominal 30 Hz' },
        wrench: { count: 0, rate: null, nominal: 500, drops: 0, missing: 0, skew: null, flag: 'wrench: no messages (expected 500 Hz)' },
      }),
    );
    expect(rows[0]!.warning).toBe('Wrist camera is dropping frames — check the cable / lower the camera resolution');
    expect(rows[0]!.health).toBe('behind');
    expect(rows[1]!.health).toBe('missing');
    expect(rows[1]!.warning).toMatch(/^Force sensor sends nothing/);
  });

  it('a stream a few percent short of nominal, not flagged, is "slow" without a warning line', () => {
    const [row] = streamRows(msg({ 'camera/scene': { count: 200, rate: 27.1, nominal: 30, drops: 0, missing: 0, skew: null } }));
    expect(row!.health).toBe('slow');
    expect(row!.warning).toBeUndefined();
  });

  it('a stream at full rate but with gaps shows its drops and skew, and reads "slow"', () => {
    const [row] = streamRows(
      msg({ 'camera/wrist': { count: 300, rate: 29.9, nominal: 30, drops: 2, missing: 3, skew: { mean: 0.004, maxAbs: 0.021 } } }),
    );
    expect(row).toMatchObject({ drops: 2, health: 'slow' });
    expect(row!.skewMs).toBeCloseTo(21, 6);
  });

  it('no warnings in the first seconds, while the streams start', () => {
    const early = { ...msg({ 'camera/wrist': { count: 0, rate: null, nominal: 30, drops: 0, missing: 0, skew: null, flag: 'camera/wrist: no messages (expected 30 Hz)' } }), elapsed: 0.4 };
    expect(streamRows(early)[0]!.health).toBe('starting');
    expect(streamRows(early)[0]!.warning).toBeUndefined();
    expect(streamRows({ ...early, elapsed: 2.5 })[0]).toMatchObject({ health: 'missing' });
  });

  it('has no rows before the first report', () => {
    expect(streamRows(null)).toEqual([]);
    expect(streamRows({ op: 'recording', state: 'idle', problems: [] })).toEqual([]);
  });
});

describe('formatting', () => {
  it('elapsed as m:ss and h:mm:ss', () => {
    expect(formatElapsed(undefined)).toBe('0:00');
    expect(formatElapsed(9.9)).toBe('0:09');
    expect(formatElapsed(125)).toBe('2:05');
    expect(formatElapsed(3725)).toBe('1:02:05');
  });
  it('rates against nominal', () => {
    expect(formatRate(29.94, 30)).toBe('29.9 of 30 /s');
    expect(formatRate(499.6, 500)).toBe('500 of 500 /s');
    expect(formatRate(null, 30)).toBe('— of 30 /s');
    expect(formatRate(1.5, null)).toBe('1.5 /s');
    expect(streamLabel('custom')).toBe('custom');
  });
  it('the last episode line', () => {
    expect(lastEpisodeText({ dataset: 'pick', episode: 3, outcome: 'success', status: 'complete', duration: 12.34 })).toBe('Episode 3 of pick saved as Success, 12.3 s.');
    expect(lastEpisodeText({ dataset: 'pick', episode: 4, outcome: null, status: 'recording', duration: null, error: 'disk full' })).toBe('Episode 4 of pick stopped by a fault: disk full');
  });
});
