import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ros } from 'roslib';
import { connectRos } from '../../src/ros/connectRos.ts';
import { SimCellServer } from './SimCellServer.ts';
import { runExpertOverRos } from './ExpertClient.ts';

// The scripted experts drive the cell only through its public topics, over a
// real websocket, with the sim at --speed max.
describe('scripted experts over rosbridge at --speed max', () => {
  let sim: SimCellServer;
  let ros: Ros;
  beforeAll(async () => {
    sim = await SimCellServer.start({ port: 0, speed: 'max', cameras: [], log: () => {} });
    ros = await connectRos(sim.url);
  });
  afterAll(async () => {
    ros?.close();
    await sim?.close();
  });

  for (const task of ['reach', 'push', 'pick_place'] as const) {
    it(`${task} succeeds on several seeds`, async () => {
      const results = [];
      for (const seed of [1, 2, 3]) results.push(await runExpertOverRos({ ros, task, seed, timeout: 40 }));
      expect(results.map((r) => `${r.seed}:${r.success}`)).toEqual(results.map((r) => `${r.seed}:true`));
      for (const r of results) expect(r.commands).toBeGreaterThan(10);
    });
  }
});
