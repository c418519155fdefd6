import { describe, expect, it } from 'vitest';
import { EventThrottle } from './EventThrottle.ts';
import type { SafetyEvent } from './SafetyEvent.ts';

const ev = (time: number, code = 'tcp_speed', joint?: number): SafetyEvent => ({ time, kind: 'clamp', code, message: code, joint });

describe('EventThrottle', () => {
  it('delivers the first event per key, then one per interval carrying the dropped count', () => {
    const got: SafetyEvent[] = [];
    const t = new EventThrottle({ interval: 1, onEvent: (e) => got.push(e) });
    for (let i = 0; i < 250; i++) t.emit(ev(i / 125)); // 2 s at 125 Hz
    expect(got.map((e) => e.time)).toEqual([0, 1]);
    expect(got[0].suppressed).toBeUndefined();
    expect(got[1].suppressed).toBe(124);
    expect(t.counts()).toEqual({ 'clamp:tcp_speed': 250 });
  });

  it('keys by code and joint independently', () => {
    const got: SafetyEvent[] = [];
    const t = new EventThrottle({ onEvent: (e) => got.push(e) });
    t.emit(ev(0, 'joint_velocity', 0));
    t.emit(ev(0, 'joint_velocity', 1));
    t.emit(ev(0, 'workspace'));
    t.emit(ev(0.1, 'joint_velocity', 0));
    expect(got).toHaveLength(3);
  });

  it('emitAlways bypasses the limit; a clock going backwards does not silence events', () => {
    const got: SafetyEvent[] = [];
    const t = new EventThrottle({ onEvent: (e) => got.push(e) });
    t.emitAlways(ev(0, 'estop'));
    t.emitAlways(ev(0, 'estop'));
    t.emit(ev(100));
    t.emit(ev(5));
    expect(got).toHaveLength(4);
  });

  it('survives a throwing listener', () => {
    const t = new EventThrottle({ onEvent: () => { throw new Error('x'); } });
    expect(t.emit(ev(0))).toBe(true);
  });
});
