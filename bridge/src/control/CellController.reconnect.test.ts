// Killing the cell mid-jog and bringing it back on the same port: the
// connection reports the loss, reconnects by itself, the first command the
// new cell hears is zeros, and nothing moves until a NEW command arrives.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConnectionHealth } from '../cell/Cell.ts';
import type { ControlOutput } from './CellController.ts';
import { ControlHarness, sleep, waitFor } from './testing/ControlHarness.ts';

const isZero = (o: ControlOutput) => o.velocities.every((v) => v === 0);
const maxAbs = (v: number[]) => Math.max(...v.map(Math.abs));

let h: ControlHarness;
beforeAll(async () => {
  h = await ControlHarness.start({ connection: { reconnect: { initialDelayMs: 100, factor: 2, maxDelayMs: 400 } } });
});
afterAll(async () => {
  await h?.close();
});

it('survives the cell dying mid-jog: lost, reconnected, zeros first, no motion until a new command', async () => {
  const ctl = h.controller();
  const health: ConnectionHealth[] = [];
  h.conn.on('health', (x) => health.push(x));
  await h.ready();
  expect(ctl.acquireLease('op').accepted).toBe(true);

  // An operator jogging continuously, who stops only when the UI shows the link is lost.
  let jogging = true;
  const jog = setInterval(() => jogging && ctl.jogJoints('op', [0.3, 0, 0, 0, 0, 0]), 10);
  h.conn.on('health', (x) => {
    if (x.state !== 'connected') jogging = false;
  });
  try {
    await waitFor(() => h.rec.samples.length > 0 && maxAbs(h.latest().velocity) > 0.1, 'the arm to move');
    await h.killSim();
    await waitFor(() => h.conn.health().state === 'lost', 'health to report the loss');
    expect(health.some((x) => x.state === 'lost' && x.error !== undefined)).toBe(true);
    // While down, nothing can be sent and motion commands are refused.
    await sleep(100);
    expect(ctl.status().gates.connection).toBe(false);
    expect(ctl.jogJoints('op', [0.3, 0, 0, 0, 0, 0]).accepted).toBe(false);
    expect(h.conn.send({ velocities: [0, 0, 0, 0, 0, 0] })).toBe(false);
    const beforeReconnect = h.rec.outputs.length;

    await h.startSimOnSamePort();
    await waitFor(() => h.conn.health().state === 'connected', 'the connection to come back', 30_000);
    expect(h.conn.health().reconnects).toBeGreaterThanOrEqual(1);
    await h.warmUp();

    // The first command the new cell got was zeros, sent on the reconnect itself.
    const firstSent = h.rec.outputs.slice(beforeReconnect).find((o) => o.sent);
    expect(firstSent).toMatchObject({ trigger: 'connection' });
    expect(isZero(firstSent!)).toBe(true);

    // A while of cell time: only zeros go out and the arm stays still; the lease is still held.
    const since = h.rec.outputs.length;
    const samplesFrom = h.rec.samples.length;
    const t = h.cellTime();
    await waitFor(() => h.cellTime() > t + 1.0, '1 s of cell time after reconnecting');
    expect(h.rec.outputs.slice(beforeReconnect).every(isZero)).toBe(true);
    expect(h.rec.outputs.length).toBeGreaterThan(since + 50);
    expect(Math.max(...h.rec.samples.slice(samplesFrom).map((s) => maxAbs(s.velocity)))).toBeLessThan(0.005);
    expect(ctl.leaseHolder).toBe('op');

    // A new command moves it again.
    const q = h.latest().position[0];
    await h.repeat(0.5, () => ctl.jogJoints('op', [0.3, 0, 0, 0, 0, 0]));
    expect(h.latest().position[0] - q).toBeGreaterThan(0.03);
  } finally {
    clearInterval(jog);
  }
});
