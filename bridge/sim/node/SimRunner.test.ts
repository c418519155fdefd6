import { afterAll, describe, expect, it } from 'vitest';

import { SimCell } from '../cell/SimCell.ts';
import type { CameraRig } from '../render/CameraRig.ts';
import type { SimRosNode } from './SimRosNode.ts';
import { SimRunner } from './SimRunner.ts';

const cell = await SimCell.create({ task: 'pick_place', seed: 1 });
afterAll(() => cell.close());

describe('SimRunner cameras', () => {
  it('drops a frame whose render was requested before a reset (it shows the last episode) and publishes the next ones', async () => {
    const published: number[] = [];
    const node = {
      now: () => cell.time,
      afterStep: () => undefined,
      cameraWanted: () => true,
      publishCameraFrame: (_name: string, stamp: number) => void published.push(stamp),
    } as unknown as SimRosNode;
    // The first render is held until the test releases it; later ones return at once.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let renders = 0;
    let requested!: () => void;
    const firstRequested = new Promise<void>((resolve) => (requested = resolve));
    const rig = {
      render: async () => {
        renders++;
        if (renders === 1) {
          requested();
          await held;
        }
        return [{ name: 'scene', jpeg: new Uint8Array([0xff, 0xd8]) }];
      },
    } as unknown as CameraRig;
    const runner = new SimRunner({ cell, node, cameras: rig, cameraNames: ['scene'], speed: 'max', cameraRateHz: 30 });
    runner.start();
    let resetAt = Number.NaN;
    try {
      await firstRequested;
      resetAt = cell.time;
      cell.reset({ seed: 2 });
      release();
      await until(() => published.length >= 2);
    } finally {
      await runner.stop();
    }
    expect(runner.getStats().cameraFramesStale).toBe(1);
    // The held frame (stamped before the reset) never went out; every frame that did is from after it.
    expect(Math.min(...published)).toBeGreaterThanOrEqual(resetAt);
    expect(renders).toBeGreaterThanOrEqual(3);
  });
});

async function until(ok: () => boolean, timeoutMs = 5000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('timed out waiting for published frames');
    await new Promise((r) => setTimeout(r, 5));
  }
}
