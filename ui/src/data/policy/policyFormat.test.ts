import { describe, expect, it } from 'vitest';
import type { PolicyMessage } from '@cellkit/bridge/protocol';
import type { PolicySummary } from './PoliciesApi.ts';
import { clampSpeed, evalText, formatMs, outputsText, policyNameProblem, policyStateText, stopReasonText, trainedOnText } from './policyFormat.ts';

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
  });
});

describe('outputs', () => {
  it('in words', () => {
    expect(outputsText(['a.velocity_command', 'b.velocity_command', 'gripper.command'])).toBe('2 joint speeds + gripper');
    expect(outputsText(['x'])).toBe('1 other');
    expect(outputsText([])).toBe('none');
  });
});

describe('policy summaries', () => {
  const p: PolicySummary = { name: 'pick-mlp', status: 'ready', policy: 'mlp', dataset: 'pick', episodes: [0, 1, 2], rate: 10, epochs: 30, createdAt: 0, bestValLoss: 0.1, finalTrainLoss: 0.1, eval: null };
  it('what it was trained on', () => {
    expect(trainedOnText(p)).toBe('mlp · dataset pick, 3 episodes · 10 Hz · 30 epochs');
    expect(trainedOnText({ ...p, dataset: null, rate: null, epochs: 1 })).toBe('mlp · 1 epoch');
  });
  it('its evaluation with the interval, or how to get one', () => {
    expect(evalText(p)).toEqual({ text: 'Not tested in the sim yet (cellkit eval).', measured: false });
    const e = { task: 'reach', episodes: 10, successes: 8, successRate: 0.8, interval95: [0.49, 0.943] as [number, number], meanTimeToSuccess: 4, createdAt: null };
    expect(evalText({ ...p, eval: e }).text).toBe('Succeeded 8 of 10 tries: 80 % (likely 49–94 %)');
  });
});
