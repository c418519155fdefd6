import { describe, expect, it } from 'vitest';

import { QualityMonitor } from './QualityMonitor.ts';
import { RecordQueue } from './RecordQueue.ts';

const T0 = 1_767_225_600;

/** Stamps of a `rate` Hz stream over `duration` s, minus those in [from, to). */
function stamps(rate: number, duration: number, gap?: [number, number]): number[] {
  const out: number[] = [];
  for (let k = 0; k / rate < duration; k++) {
    const t = k / rate;
    if (gap && t >= gap[0] && t < gap[1]) continue;
    out.push(T0 + t);
  }
  return out;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1));

describe('QualityMonitor', () => {
  it('counts, rates, gaps, drops and missing messages from source stamps', () => {
    const q = new QualityMonitor();
    const joints = stamps(500, 2, [0.5, 0.53]);
    for (const t of joints) q.observe('joints', t, t + 0.001);
    const j = q.report().streams.joints!;
    expect(j.count).toBe(joints.length);
    expect(j.meanRate).toBeCloseTo((joints.length - 1) / (joints[joints.length - 1]! - joints[0]!), 9);
    const gaps = joints.slice(1).map((t, i) => t - joints[i]!);
    expect(j.maxGap).toBeCloseTo(Math.max(...gaps), 12);
    expect(j.drops).toBe(1);
    expect(j.missing).toBe(1000 - joints.length);
    expect(j.flag).toBeUndefined(); // 1.5 % missing is above 90 % of nominal
  });

  it('measures clock offset (mean receive − stamp) and jitter (its std)', () => {
    const q = new QualityMonitor();
    const s = stamps(30, 1);
    const latencies = s.map((_, i) => 0.02 + ((i * 7919) % 13) / 1000);
    s.forEach((t, i) => q.observe('camera/scene', t, t + latencies[i]!));
    const c = q.report().streams['camera/scene']!;
    // Epoch seconds in float64 resolve ~0.2 µs, so compare to 1 µs.
    expect(c.clockOffset).toBeCloseTo(mean(latencies), 6);
    expect(c.jitter).toBeCloseTo(std(latencies), 6);
  });

  it('measures each stream\'s skew against the latest joint-state stamp', () => {
    const q = new QualityMonitor();
    // Joints at 500 Hz, camera frames stamped 40 ms before the joint state they arrive after.
    const joints = stamps(500, 1);
    const camera = stamps(30, 1).filter((t) => t - 0.04 >= T0).map((t) => t - 0.04);
    const events = [...joints.map((t) => ({ s: 'joints', t, at: t })), ...camera.map((t) => ({ s: 'camera/scene', t, at: t + 0.04 }))].sort((a, b) => a.at - b.at || (a.s === 'joints' ? -1 : 1));
    const expected: number[] = [];
    let latest = NaN;
    for (const e of events) {
      if (e.s === 'joints') latest = e.t;
      else expected.push(e.t - latest);
      q.observe(e.s, e.t, e.at);
    }
    const skew = q.report().streams['camera/scene']!.skew!;
    expect(skew.mean).toBeCloseTo(mean(expected), 9);
    expect(skew.maxAbs).toBeCloseTo(Math.max(...expected.map(Math.abs)), 9);
    expect(q.report().streams.joints!.skew).toBeNull();
  });

  it('flags streams under the configured fraction of nominal, streams that stop early, and expected streams that never came', () => {
    const slow = new QualityMonitor({ expected: ['action'] });
    for (const t of stamps(500, 2)) slow.observe('joints', t, t);
    for (const t of stamps(20, 2)) slow.observe('camera/scene', t, t); // 20 of 30 Hz
    for (const t of stamps(30, 0.5)) slow.observe('camera/wrist', t, t); // stopped after 0.5 s
    const r = slow.report();
    expect(r.streams['camera/scene']!.flag).toMatch(/20\.0 Hz, under 90% of nominal 30 Hz/);
    expect(r.streams['camera/wrist']!.meanRate).toBeCloseTo(30, 4);
    expect(r.streams['camera/wrist']!.flag).toMatch(/under 90%/);
    expect(r.streams.action!.flag).toMatch(/no messages/);
    expect(r.streams.joints!.flag).toBeUndefined();
    expect(r.flags).toHaveLength(3);

    const lenient = new QualityMonitor({ minRateFraction: 0.5, nominalRates: { camera: 25 } });
    for (const t of stamps(500, 2)) lenient.observe('joints', t, t);
    for (const t of stamps(20, 2)) lenient.observe('camera/scene', t, t);
    expect(lenient.report().flagged).toBe(false);
  });
});

describe('RecordQueue', () => {
  it('is FIFO, tracks bytes and the oldest enqueue time, and bounds batches by count and bytes', () => {
    const q = new RecordQueue<number>();
    for (let i = 0; i < 10_000; i++) q.push(i, i % 2 === 0 ? 100 : 1, 1000 + i);
    expect(q.bytes).toBe(5000 * 101);
    expect(q.oldestTime).toBe(1000);
    expect(q.take(3)).toEqual([0, 1, 2]);
    expect(q.oldestTime).toBe(1003);
    const batch = q.take(100, 250); // 1 + 100 + 1 + 100 + 1 ≤ 250 < … + 100
    expect(batch).toEqual([3, 4, 5, 6, 7]);
    let all: number[] = [];
    while (q.length > 0) all = all.concat(q.take(997));
    expect(all[0]).toBe(8);
    expect(all[all.length - 1]).toBe(9999);
    expect(q.bytes).toBe(0);
    expect(q.oldestTime).toBeUndefined();
    expect(q.take(5, 1)).toEqual([]);
  });
});
