import { describe, expect, it } from 'vitest';
import type { TrainProgress } from '../train.ts';
import { TrainProgressPrinter, formatDuration } from './TrainProgressPrinter.ts';

function setup(tty: boolean, columns?: number) {
  const out: string[] = [];
  let now = 0;
  const printer = new TrainProgressPrinter({ stream: { write: (t: string) => out.push(t), columns }, tty, intervalMs: 100, plainEverySec: 30, now: () => now });
  return { out, printer, advance: (ms: number) => void (now += ms) };
}

const step = (epoch: number, s: number, extra: Partial<TrainProgress> = {}): TrainProgress => ({
  epoch, epochs: 2, step: s, steps: 10, loss: 0.5, samplesPerSec: 812.4, etaSec: 75, learningRate: 1e-3, ...extra,
});

describe('TrainProgressPrinter', () => {
  it('on a TTY redraws one bar in place, at most every intervalMs, always at the last step and epoch end', () => {
    const { out, printer, advance } = setup(true);
    printer.update(step(0, 1));
    advance(10);
    printer.update(step(0, 2)); // too soon: skipped
    advance(200);
    printer.update(step(0, 3));
    printer.update(step(0, 10));
    printer.update(step(0, 10, { valLoss: 0.25, etaSec: 0 }));
    expect(out).toHaveLength(4);
    expect(out.every((t) => t.startsWith('\r\x1b[2K'))).toBe(true);
    expect(out[1]).toBe('\r\x1b[2Kepoch 1/2 ██████░░░░░░░░░░░░░░ 3/10  loss 0.5000  val —  812 samples/s  ETA 1m15s');
    // After validation the bar keeps the remaining-time estimate and shows the val loss.
    expect(out[3]).toMatch(/val 0\.2500 {2}812 samples\/s {2}ETA 1m15s$/);
    printer.message('hello');
    expect(out.slice(4)).toEqual(['\r\x1b[2K', 'hello\n']);
    printer.update(step(1, 1));
    printer.done();
    expect(out[out.length - 1]).toBe('\n');
  });

  it('cuts the bar to the terminal width', () => {
    const { out, printer } = setup(true, 40);
    printer.update(step(0, 1));
    expect(out[0].length).toBeLessThanOrEqual('\r\x1b[2K'.length + 40);
  });

  it('without a TTY prints plain lines: every epoch end, and mid-epoch only every plainEverySec', () => {
    const { out, printer, advance } = setup(false);
    printer.update(step(0, 1));
    advance(31_000);
    printer.update(step(0, 5));
    printer.update(step(0, 6));
    printer.update(step(0, 10, { valLoss: NaN }));
    printer.reading(3, 3);
    expect(out).toEqual([
      'epoch 1/2 step 5/10  loss 0.5000  val —  812 samples/s  ETA 1m15s\n',
      'epoch 1/2 done  loss 0.5000  val n/a (no validation episodes)  812 samples/s  ETA 1m15s\n',
      'reading episodes 3/3\n',
    ]);
    expect(out.join('')).not.toContain('\r');
  });

  it('formats durations for people', () => {
    expect([4.2, 75, 3700, -1].map(formatDuration)).toEqual(['4s', '1m15s', '1h01m', '?']);
  });
});
