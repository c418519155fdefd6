import { describe, expect, it } from 'vitest';
import type { PolicyMessage } from '@cellkit/bridge/protocol';
import { jointVelocityOutputs, PolicyTrace } from './PolicyTrace.ts';

const names = ['j1.velocity_command', 'j2.velocity_command', 'gripper.command'];
const msg = (steps: number, t: number, predicted: number[], executed: number[], policy = 'tiny'): PolicyMessage => ({
  op: 'policy',
  state: 'running',
  policy,
  steps,
  lastStepAt: t,
  actionNames: names,
  predicted,
  executed: { velocities: executed, limited: [] },
  interventionCount: 0,
  interventions: [],
  problems: [],
});

describe('PolicyTrace', () => {
  it('keeps one sample per new step: predicted joint velocities, then what was sent', () => {
    const tr = new PolicyTrace({ capacity: 16 });
    tr.reset(2);
    expect(tr.ingest(msg(1, 10, [0.1, -0.2, 0.9], [0.05, -0.1]))).toBe(true);
    // The same step again (a periodic resend): nothing new.
    expect(tr.ingest(msg(1, 10, [0.1, -0.2, 0.9], [0.05, -0.1]))).toBe(false);
    expect(tr.ingest(msg(3, 10.2, [0.3, 0.4, 0.1], [0.15, 0.2]))).toBe(true);
    expect(tr.series.size).toBe(2);
    const out = new Float64Array(4);
    tr.series.latest(out);
    expect(Array.from(out)).toEqual([0.3, 0.4, 0.15, 0.2]);
  });

  it('starts over on a new run or another policy, and skips messages without a step', () => {
    const tr = new PolicyTrace();
    tr.reset(2);
    tr.ingest(msg(5, 10, [1, 1, 0], [1, 1]));
    tr.ingest(msg(2, 20, [2, 2, 0], [0, 0]));
    expect(tr.series.size).toBe(1);
    tr.ingest(msg(3, 21, [2, 2, 0], [0, 0], 'other'));
    expect(tr.series.size).toBe(1);
    expect(tr.ingest({ ...msg(4, 22, [], []), predicted: undefined })).toBe(false);
  });

  it('shadow mode: executed missing channels are gaps', () => {
    const tr = new PolicyTrace();
    tr.reset(2);
    tr.ingest({ ...msg(1, 1, [0.5, 0.5, 0], []), executed: undefined });
    const out = new Float64Array(4);
    tr.series.latest(out);
    expect(out[0]).toBe(0.5);
    expect(Number.isNaN(out[2])).toBe(true);
  });

  it('leaves out the gripper output only when names line up', () => {
    expect(jointVelocityOutputs(names, [1, 2, 3])).toEqual([1, 2]);
    expect(jointVelocityOutputs(undefined, [1, 2, 3])).toEqual([1, 2, 3]);
  });
});
