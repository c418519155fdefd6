import { describe, expect, it } from 'vitest';
import { Store } from './Store.ts';

function manualScheduler(): { schedule: (cb: () => void) => void; run: () => void; pending: () => number } {
  const queue: (() => void)[] = [];
  return {
    schedule: (cb) => void queue.push(cb),
    run: () => {
      for (const cb of queue.splice(0)) cb();
    },
    pending: () => queue.length,
  };
}

describe('Store', () => {
  it('coalesces many updates into one notification per frame', () => {
    const frames = manualScheduler();
    const store = new Store({ initial: { n: 0 }, schedule: frames.schedule });
    let calls = 0;
    store.subscribe(() => calls++);
    for (let i = 1; i <= 100; i++) store.update((s) => ({ n: s.n + 1 }));
    expect(store.getSnapshot().n).toBe(100);
    expect(frames.pending()).toBe(1);
    expect(calls).toBe(0);
    frames.run();
    expect(calls).toBe(1);
    frames.run();
    expect(calls).toBe(1);
  });

  it('does not schedule when an update returns the same state', () => {
    const frames = manualScheduler();
    const store = new Store({ initial: { n: 0 }, schedule: frames.schedule });
    store.update((s) => s);
    expect(frames.pending()).toBe(0);
  });

  it('stops notifying after unsubscribe', () => {
    const frames = manualScheduler();
    const store = new Store({ initial: 0, schedule: frames.schedule });
    let calls = 0;
    const off = store.subscribe(() => calls++);
    off();
    store.update(() => 1);
    frames.run();
    expect(calls).toBe(0);
  });
});
