import { describe, expect, it } from 'vitest';
import { JOG_KEYS, jogKey, padCommand, type PadState } from './shortcuts.ts';

function pad(axes: number[], held: number[] = []): PadState {
  return { axes, buttons: Array.from({ length: 17 }, (_, i) => ({ pressed: held.includes(i), value: held.includes(i) ? 1 : 0 })) };
}

describe('shortcuts', () => {
  it('binds a + and a − key to each of the six axes, once', () => {
    expect(JOG_KEYS).toHaveLength(12);
    expect(new Set(JOG_KEYS.map((k) => k.code)).size).toBe(12);
    expect(jogKey('KeyQ')).toMatchObject({ axis: 0, direction: 1 });
    expect(jogKey('KeyH')).toMatchObject({ axis: 5, direction: -1 });
    expect(jogKey('KeyZ')).toBeUndefined();
  });

  it('moves nothing from the sticks unless the deadman button is held', () => {
    expect(padCommand(pad([1, 0, 0, 0]), 'joints').axes).toEqual([0, 0, 0, 0, 0, 0]);
    const held = padCommand(pad([1, -1, 0, 0.5], [5]), 'joints');
    expect(held.deadman).toBe(true);
    expect(held.axes[0]).toBeCloseTo(1);
    expect(held.axes[1]).toBeCloseTo(1);
    expect(held.axes[2]).toBeCloseTo(-(0.5 - 0.15) / 0.85);
  });

  it('ignores stick drift inside the dead zone and maps the D-pad and gripper buttons', () => {
    const c = padCommand(pad([0.1, -0.12, 0.05, 0], [5, 12, 15, 0]), 'cartesian');
    expect(c.axes.slice(0, 3).map((v) => v + 0)).toEqual([0, 0, 0]);
    expect(c.axes[3]).toBe(1);
    expect(c.axes[4]).toBe(1);
    expect(c.gripper).toBe('close');
  });
});
