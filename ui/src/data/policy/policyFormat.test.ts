import { describe, expect, it } from 'vitest';
import type { PolicyMessage } from '@cellkit/bridge/protocol';
import { clampSpeed, formatMs, policyNameProblem, policyStateText, rememberPolicy, stopReasonText } from './policyFormat.ts';

const base: PolicyMessage = { op: 'policy', state: 'idle', steps: 0, interventionCount: 0, interventions: [], problems: [] };

describe('policy formatting', () => {
  it('names: what the bridge accepts, and never a path', () => {
    expect(policyNameProblem('Pick_v1')).toBeUndefined();
    expect(policyNameProblem('')).toMatch(/Type the name/);
    expect(policyNameProblem('../etc')).toMatch(/not a path/);
    expect(policyNameProblem('a b')).toMatch(/only letters/);
  });
  it('state lines by mode and state', () => {
    expect(policyStateText(null).tone).toBe('idle');
    expect(policyStateText({ ...base, state: 'running', mode: 'shadow' }).text).toMatch(/does not move/);
    expect(policyStateText({ ...base, state: 'running', mode: 'autonomous' }).text).toMatch(/driving/);
    expect(policyStateText({ ...base, state: 'paused' }).tone).toBe('attention');
  });
  it('the stop reason only while stopped', () => {
    const reason = { severity: 'error' as const, code: 'estop', message: 'E-STOP pressed', tip: 'reset it, then start again' };
    expect(stopReasonText({ ...base, state: 'stopped', stopReason: reason })).toEqual(reason);
    expect(stopReasonText({ ...base, state: 'running', stopReason: reason })).toBeUndefined();
  });
  it('latency, speed and remembered names', () => {
    expect(formatMs(undefined)).toBe('—');
    expect(formatMs(0.4321)).toBe('0.43 ms');
    expect(formatMs(12.34)).toBe('12.3 ms');
    expect(formatMs(250.4)).toBe('250 ms');
    expect(clampSpeed(3)).toBe(1);
    expect(clampSpeed(0)).toBe(0.05);
    expect(clampSpeed(Number.NaN)).toBe(0.25);
    expect(rememberPolicy(['a', 'b', 'c'], 'b')).toEqual(['b', 'a', 'c']);
    expect(rememberPolicy(['a', 'b'], 'z', 2)).toEqual(['z', 'a']);
  });
});
