// The controller on an in-memory cell: the cell clock, the grid, the
// watchdog, reconnects and the gripper rule, deterministically.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeCellConnection } from '../cell/testing/FakeCellConnection.ts';
import { jacobian, UR5E } from '../kinematics/index.ts';
import { CellController, type ControlOutput } from './CellController.ts';
import { twistToJointVelocities } from './twistToJointVelocities.ts';

const HOME = [0, -Math.PI / 2, Math.PI / 2, -Math.PI / 2, -Math.PI / 2, 0];
const PERIOD = 1 / 125;
const isZero = (o: ControlOutput) => o.velocities.every((v) => v === 0);

const controllers: CellController[] = [];
afterEach(() => {
  for (const c of controllers.splice(0)) c.close();
});

/** A controller on a fake cell in NORMAL mode with samples up to `t0`, lease held by 'op'. */
function setup(t0 = 1000) {
  const cell = new FakeCellConnection();
  const ctl = new CellController({ connection: cell, arm: UR5E });
  controllers.push(ctl);
  const outputs: ControlOutput[] = [];
  ctl.on('output', (o) => outputs.push(o));
  cell.status(1);
  let t = t0;
  /** Feed 500 Hz samples for `seconds` of cell time, as fast as the CPU goes (a sim at --speed max). */
  const run = (seconds: number, each?: (t: number) => void) => {
    const end = t + seconds;
    while (t < end - 1e-9) {
      t += 0.002;
      cell.joints(t, HOME);
      each?.(t);
    }
  };
  cell.joints(t, HOME);
  ctl.acquireLease('op');
  return { cell, ctl, outputs, run, now: () => t, jumpTo: (x: number) => (t = x) };
}

describe('CellController on an in-memory cell', () => {
  it('ticks at publishRate on the cell clock however fast samples arrive', () => {
    const { outputs, run } = setup();
    run(2);
    const ticks = outputs.filter((o) => o.trigger === 'sample').map((o) => o.stamp);
    expect(ticks.length).toBeGreaterThanOrEqual(249);
    expect(ticks.length).toBeLessThanOrEqual(251);
    for (let i = 1; i < ticks.length; i++) expect(ticks[i] - ticks[i - 1]).toBeCloseTo(PERIOD, 6);
  });

  it('zeros within deadman + one tick of the last command, on cell stamps', () => {
    const { ctl, outputs, run, now } = setup();
    run(0.05);
    const r = ctl.jogJoints('op', [0.2, 0, 0, 0, 0, 0]);
    expect(r).toMatchObject({ accepted: true, stamp: now() });
    run(0.3);
    const moving = outputs.filter((o) => o.stamp > r.stamp! && !isZero(o));
    expect(moving.length).toBeGreaterThan(5);
    const firstZero = outputs.find((o) => o.stamp > r.stamp! && isZero(o))!;
    expect(firstZero.stop).toBe('deadman');
    expect(firstZero.stamp - r.stamp!).toBeLessThanOrEqual(0.1 + PERIOD + 1e-6);
  });

  it('keeps its clock monotonic when the cell clock jumps back (sim reset) and keeps ticking', () => {
    const { ctl, outputs, run, jumpTo } = setup();
    run(0.5);
    jumpTo(10); // a reset sim restarts near its epoch
    run(0.5);
    const stamps = outputs.map((o) => o.stamp);
    for (let i = 1; i < stamps.length; i++) expect(stamps[i]).toBeGreaterThanOrEqual(stamps[i - 1]);
    expect(ctl.status().gates.inputs).toBe(true);
    expect(ctl.status().gates.connection).toBe(true);
    expect(outputs.filter((o) => o.trigger === 'sample').length).toBeGreaterThan(110);
    // Commands still work on the shifted clock.
    expect(ctl.jogJoints('op', [0.1, 0, 0, 0, 0, 0]).accepted).toBe(true);
    run(0.05);
    expect(isZero(outputs[outputs.length - 1])).toBe(false);
  });

  it('while the acceleration limit ramps the output, sends the next step on every joint sample; the grid stays put', () => {
    const { ctl, outputs, run } = setup();
    run(0.05);
    const from = outputs.length;
    const target = 0.2;
    const accel = UR5E.maxJointAcceleration[5];
    expect(ctl.jogJoints('op', [0, 0, 0, 0, 0, target]).accepted).toBe(true);
    run(0.06);
    const after = outputs.slice(from);
    const v = (o: ControlOutput) => o.velocities[5];
    // One output per joint sample at most, and each step within the acceleration limit over the time since the last.
    for (let i = 1; i < after.length; i++) {
      expect(after[i].stamp).toBeGreaterThan(after[i - 1].stamp);
      expect(Math.abs(v(after[i]) - v(after[i - 1]))).toBeLessThanOrEqual(accel * (after[i].stamp - after[i - 1].stamp) + 1e-9);
    }
    // Until the target is reached every 2 ms sample carries a step: not a 125 Hz staircase.
    const reached = after.findIndex((o) => v(o) >= target - 1e-9);
    expect(reached).toBeGreaterThan(3);
    const ramp = after.slice(0, reached + 1);
    for (let i = 1; i < ramp.length; i++) expect(ramp[i].stamp - ramp[i - 1].stamp).toBeCloseTo(0.002, 6);
    expect(ramp.some((o) => o.trigger === 'ramp')).toBe(true);
    // At the target, back to the grid alone.
    const held = after.slice(reached + 1);
    expect(held.length).toBeGreaterThan(2);
    expect(held.every((o) => o.trigger === 'sample')).toBe(true);
    // The grid itself is the same as without a command: one period apart throughout.
    const grid = outputs.filter((o) => o.trigger === 'sample').map((o) => o.stamp);
    for (let i = 1; i < grid.length; i++) expect(grid[i] - grid[i - 1]).toBeCloseTo(PERIOD, 6);
    // Releasing (zeros) ramps down the same way, every sample, within the limit.
    const down = outputs.length;
    expect(ctl.jogJoints('op', [0, 0, 0, 0, 0, 0]).accepted).toBe(true);
    run(0.04);
    const stop = outputs.slice(down);
    const still = stop.findIndex((o) => v(o) === 0);
    expect(still).toBeGreaterThan(3);
    for (let i = 1; i <= still; i++) {
      expect(stop[i].stamp - stop[i - 1].stamp).toBeCloseTo(0.002, 6);
      expect(Math.abs(v(stop[i]) - v(stop[i - 1]))).toBeLessThanOrEqual(accel * 0.002 + 1e-9);
    }
  });

  it('a new jog on a joint sample that already ticked goes out at once, with a whole period\'s acceleration step; a repeat waits', () => {
    const { ctl, outputs, run, now } = setup();
    run(0.05);
    // Until the latest sample carried the grid's tick (zeros, unchanged since the start).
    while (!(outputs.at(-1)!.trigger === 'sample' && outputs.at(-1)!.stamp === now())) run(0.002);
    const n = outputs.length;
    const accel = UR5E.maxJointAcceleration[5];
    expect(ctl.jogJoints('op', [0, 0, 0, 0, 0, 0.2]).accepted).toBe(true);
    expect(outputs.length).toBe(n + 1);
    expect(outputs[n]).toMatchObject({ trigger: 'command', stamp: now() });
    expect(outputs[n].velocities[5]).toBeCloseTo(accel * PERIOD, 9);
    // The same command again, on the same sample: nothing new to send, no tick.
    expect(ctl.jogJoints('op', [0, 0, 0, 0, 0, 0.2]).accepted).toBe(true);
    expect(outputs.length).toBe(n + 1);
    // The next sample carries the next step of the ramp: a·2 ms more.
    run(0.002);
    expect(outputs.at(-1)!.velocities[5]).toBeCloseTo(accel * (PERIOD + 0.002), 9);
    // A different command now waits for the next sample: the output already changed on this one (and one early tick per period).
    expect(ctl.jogJoints('op', [0, 0, 0, 0, 0, -0.2]).accepted).toBe(true);
    expect(outputs.at(-1)!.stamp).toBe(now());
    expect(outputs.at(-1)!.velocities[5]).toBeGreaterThan(0);
  });

  it('trips the wall-clock watchdog when the cell goes silent, and recovers on the next samples', async () => {
    const { cell, ctl, outputs, run } = setup();
    run(0.1);
    ctl.jogJoints('op', [0.2, 0, 0, 0, 0, 0]);
    run(0.02);
    expect(isZero(outputs[outputs.length - 1])).toBe(false);
    const sent = cell.sent.length;
    await new Promise((r) => setTimeout(r, 300)); // the cell says nothing
    const trip = outputs.find((o) => o.trigger === 'watchdog');
    expect(trip).toBeDefined();
    expect(isZero(trip!)).toBe(true);
    expect(trip!.sent).toBe(true);
    expect(cell.sent.length).toBe(sent + 1); // one stop, not a zero every period
    expect(ctl.status()).toMatchObject({ watchdog: { tripped: true, trips: 1 } });
    expect(ctl.status().gates.connection).toBe(false);
    run(0.05);
    expect(ctl.status().watchdog.tripped).toBe(false);
    expect(ctl.status().gates.connection).toBe(true);
    // The jog from before the silence never resumes.
    expect(outputs.filter((o) => o.trigger === 'sample').slice(-5).every(isZero)).toBe(true);
  });

  it('on reconnect sends zeros first and does not re-send a held gripper target', () => {
    const { cell, ctl, outputs, run } = setup();
    run(0.02);
    expect(ctl.setGripper('op', 1).accepted).toBe(true);
    run(0.1);
    expect(cell.sent.filter((c) => c.gripper !== undefined)).toEqual([{ velocities: [0, 0, 0, 0, 0, 0], gripper: 1 }]);
    cell.setState('lost', 'connection closed');
    expect(outputs[outputs.length - 1]).toMatchObject({ trigger: 'connection', sent: false, stop: 'connection' });
    const before = cell.sent.length;
    cell.setState('connected');
    expect(cell.sent.length).toBe(before + 1);
    expect(cell.sent[before]).toEqual({ velocities: [0, 0, 0, 0, 0, 0] });
    run(0.2);
    expect(cell.sent.slice(before).every((c) => c.gripper === undefined && c.velocities.every((v) => v === 0))).toBe(true);
    expect(ctl.status().lastOutput?.gripper).toBe(1);
  });

  it('stops at once on a safety mode change and on e-stop', () => {
    const { cell, ctl, outputs, run } = setup();
    run(0.02);
    ctl.jogJoints('op', [0.2, 0, 0, 0, 0, 0]);
    run(0.02);
    cell.status(3);
    expect(outputs[outputs.length - 1]).toMatchObject({ trigger: 'safety_mode', stop: 'safetyMode' });
    cell.status(1);
    run(0.02);
    ctl.jogJoints('op', [0.2, 0, 0, 0, 0, 0]);
    run(0.02);
    expect(isZero(outputs[outputs.length - 1])).toBe(false);
    ctl.estop('ui', 'button');
    expect(outputs[outputs.length - 1]).toMatchObject({ trigger: 'estop', stop: 'estopped' });
    expect(ctl.status()).toMatchObject({ estopped: true, estop: { by: 'ui', reason: 'button' } });
  });

  it('emits lease changes and times every tick phase', () => {
    const cell = new FakeCellConnection();
    const ctl = new CellController({ connection: cell, arm: UR5E });
    controllers.push(ctl);
    const leases: (string | undefined)[] = [];
    ctl.on('lease', (h) => leases.push(h));
    cell.joints(1, HOME);
    ctl.acquireLease('a');
    ctl.releaseLease('a');
    ctl.acquireLease('b');
    expect(leases).toEqual(['a', undefined, 'b']);
    const timing = ctl.status().timing!;
    expect(Object.keys(timing)).toEqual(['observe', 'safety', 'send', 'emit']);
    expect(Object.values(timing).every((x) => x >= 0)).toBe(true);
  });
});

describe('twistToJointVelocities', () => {
  it('realises a base-frame twist, and a tool-frame twist rotated into base', () => {
    const base = twistToJointVelocities(UR5E, HOME, { linear: [0, 0, -0.05], angular: [0, 0, 0], frame: 'base' });
    const J = jacobian(UR5E, HOME);
    const twist = J.map((row) => row.reduce((s, x, i) => s + x * base[i], 0));
    [0, 0, -0.05, 0, 0, 0].forEach((v, i) => expect(twist[i]).toBeCloseTo(v, 6));
    // At home the tool z axis points straight down: +z in the tool frame is -z in base.
    const tool = twistToJointVelocities(UR5E, HOME, { linear: [0, 0, 0.05], angular: [0, 0, 0], frame: 'tool' });
    tool.forEach((v, i) => expect(v).toBeCloseTo(base[i], 9));
  });
});

describe('FakeCellConnection.stream', () => {
  it('keeps the controller fresh across wall-clock waits (no watchdog trip)', async () => {
    const cell = new FakeCellConnection();
    const ctl = new CellController({ connection: cell, arm: UR5E });
    controllers.push(ctl);
    cell.status(1);
    const stop = cell.stream();
    try {
      await new Promise((r) => setTimeout(r, 150));
      ctl.acquireLease('op');
      await new Promise((r) => setTimeout(r, 50));
      expect(ctl.jogJoints('op', [0.1, 0, 0, 0, 0, 0]).accepted).toBe(true);
      await new Promise((r) => setTimeout(r, 50));
      expect(cell.sent.some((c) => c.velocities[0] > 0)).toBe(true);
    } finally {
      stop();
    }
  });
});
