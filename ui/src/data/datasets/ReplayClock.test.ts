import { describe, expect, it } from 'vitest';
import { ReplayClock, frameAt } from './ReplayClock.ts';

describe('frameAt', () => {
  const stamps = [0, 1 / 30, 2 / 30, 0.5, 0.6];
  it('picks the last frame stamped at or before t', () => {
    expect(frameAt(stamps, 0)).toBe(0);
    expect(frameAt(stamps, 1 / 30)).toBe(1);
    expect(frameAt(stamps, 0.049)).toBe(1);
    expect(frameAt(stamps, 0.3)).toBe(2);
    expect(frameAt(stamps, 10)).toBe(4);
  });
  it('shows the first frame before it, and nothing without frames', () => {
    expect(frameAt([0.2, 0.3], 0)).toBe(0);
    expect(frameAt([], 1)).toBe(-1);
  });
});

describe('ReplayClock', () => {
  it('advances by wall time times speed while playing, and stops at the end', () => {
    const clock = new ReplayClock();
    let heard = 0;
    clock.subscribe(() => heard++);
    clock.reset(1);
    clock.setSpeed(2);
    clock.setPlaying(true);
    clock.tick(1000);
    expect(clock.t).toBe(0);
    clock.tick(1050);
    expect(clock.t).toBeCloseTo(0.1, 9);
    // A hidden tab's long gap counts as at most 100 ms.
    clock.tick(5000);
    expect(clock.t).toBeCloseTo(0.3, 9);
    for (let now = 5050; clock.playing; now += 50) clock.tick(now);
    expect(clock.t).toBe(1);
    expect(heard).toBe(4); // reset, speed, play, stop at the end
    clock.setPlaying(true);
    expect(clock.t).toBe(0);
  });

  it('seeks within the episode and bumps its version only on change', () => {
    const clock = new ReplayClock();
    clock.reset(3);
    const v = clock.version;
    clock.seek(-1);
    expect([clock.t, clock.version]).toEqual([0, v]);
    clock.seek(9);
    expect(clock.t).toBe(3);
    expect(clock.version).toBe(v + 1);
  });
});
