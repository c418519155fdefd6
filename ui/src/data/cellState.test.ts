import { describe, expect, it } from 'vitest';
import type { PolicyMessage, RecordingMessage } from '@cellkit/bridge/protocol';
import { initialCellState, reduceLink, reduceServerMessage } from './cellState.ts';

const ctx = { now: 0, nextId: () => 1 };

describe('cellState: recording and policy', () => {
  it('keeps the latest recording and policy state, and the same object when nothing changed', () => {
    const rec: RecordingMessage = { op: 'recording', state: 'recording', dataset: 'pick', task: 't', episode: 2, elapsed: 1, problems: [] };
    const s1 = reduceServerMessage(initialCellState, rec, ctx);
    expect(s1.recording).toBe(rec);
    expect(reduceServerMessage(s1, { ...rec }, ctx)).toBe(s1);
    const s2 = reduceServerMessage(s1, { ...rec, elapsed: 1.5 }, ctx);
    expect(s2.recording?.elapsed).toBe(1.5);

    const pol: PolicyMessage = { op: 'policy', state: 'running', steps: 3, interventionCount: 0, interventions: [], problems: [] };
    const s3 = reduceServerMessage(s2, pol, ctx);
    expect(s3.policy).toBe(pol);
    expect(s3.recording).toBe(s2.recording);
  });

  it('forgets both when the link goes down (nothing known is current)', () => {
    const rec: RecordingMessage = { op: 'recording', state: 'idle', problems: [] };
    const s = reduceServerMessage(initialCellState, rec, ctx);
    const down = reduceLink({ ...s, link: { ...s.link, state: 'open', everOpen: true } }, { state: 'lost' });
    expect(down.recording).toBeNull();
    expect(down.policy).toBeNull();
  });
});
