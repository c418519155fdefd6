// The sim at --speed max (faster than real time): the control loop keeps
// its rate and deadman on the cell's clock, not the wall clock.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ControlHarness, waitFor } from './testing/ControlHarness.ts';

let h: ControlHarness;
beforeAll(async () => {
  h = await ControlHarness.start({ sim: { speed: 'max' } });
});
afterAll(async () => {
  await h?.close();
});

it('ticks at publishRate in sim time and a policy stepping with the loop moves the arm', async () => {
  const ctl = h.controller();
  await h.ready();
  expect(ctl.acquireLease('policy').accepted).toBe(true);
  // A policy that answers every tick, like the policy runner: commands stay fresh on the cell clock.
  const off = ctl.on('output', () => ctl.submitPolicy('policy', [0, 0, 0, 0, 0.4, 0]));
  const q = h.latest().position[4];
  const from = h.rec.outputs.length;
  const t0 = h.cellTime();
  await waitFor(() => h.cellTime() > t0 + 2, '2 s of sim time', 60_000);
  off();
  ctl.releaseLease('policy');

  const ticks = h.rec.outputs.slice(from).filter((o) => o.trigger === 'sample').map((o) => o.stamp);
  const span = ticks[ticks.length - 1] - ticks[0];
  const period = 1 / ctl.status().limits.publishRate;
  for (let i = 1; i < ticks.length; i++) expect(ticks[i] - ticks[i - 1]).toBeGreaterThanOrEqual(period * (1 - 1e-3));
  // Never faster than publishRate; slower only where the sim delivered in bursts longer than a period.
  expect(ticks.length - 1).toBeLessThanOrEqual(Math.round(span / period) + 1);
  expect(ticks.length - 1).toBeGreaterThan(0.5 * (span / period));
  // Fresh commands may go out early, off the grid. A new command may tick a second time on a joint sample that
  // already ticked; the policy re-sending the same command never does: only its first command can.
  const flowing = h.rec.outputs.slice(from).filter((o) => o.trigger === 'sample' || o.trigger === 'command').map((o) => o.stamp);
  expect(flowing.length).toBeGreaterThan(ticks.length);
  for (let i = 1; i < flowing.length; i++) expect(flowing[i]).toBeGreaterThanOrEqual(flowing[i - 1]);
  expect(flowing.filter((t, i) => i > 0 && t === flowing[i - 1]).length).toBeLessThanOrEqual(1);
  expect(h.latest().position[4] - q).toBeGreaterThan(0.2);
});
