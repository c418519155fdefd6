// The controller against the real sim cell through the `ur` profile and a
// real roslib connection. Bounds are checked on the cell's stamps and the
// MEASURED joints; wall-clock waits are only generous timeouts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CELL_LAYOUT } from '../../sim/model/index.ts';
import { forwardKinematics, jacobian } from '../kinematics/index.ts';
import type { ControlOutput } from './CellController.ts';
import { ControlHarness, sleep, waitFor } from './testing/ControlHarness.ts';

const TOOL = CELL_LAYOUT.tcpOffset;
const ZERO = [0, 0, 0, 0, 0, 0];
const isZero = (o: ControlOutput) => o.velocities.every((v) => v === 0);
const maxAbs = (v: number[]) => Math.max(...v.map(Math.abs));

let h: ControlHarness;
beforeAll(async () => {
  h = await ControlHarness.start();
});
afterAll(async () => {
  await h?.close();
});

describe('CellController on the sim (ur profile)', () => {
  it('jogs a joint in the commanded direction, and zeros go out within deadman + one cycle after commands stop', async () => {
    const ctl = h.controller();
    await h.ready();
    expect(ctl.acquireLease('op').accepted).toBe(true);
    const q0 = h.latest().position[0];
    const lastStamp = await h.repeat(0.6, () => ctl.jogJoints('op', [0.3, 0, 0, 0, 0, 0]));
    expect(lastStamp).toBeDefined();
    await waitFor(() => h.cellTime() > lastStamp! + 0.5, 'cell time to pass the deadman');
    expect(h.latest().position[0] - q0).toBeGreaterThan(0.05);

    // Every output stamped after the deadman (plus one tick of slack) is zero, and one exists.
    const { deadmanTimeout, publishRate } = ctl.status().limits;
    const firstZero = h.rec.outputs.find((o) => o.stamp > lastStamp! && isZero(o));
    expect(firstZero).toBeDefined();
    // 1e-6: stamps are epoch seconds (float64 resolution ~2e-7 s at 1.8e9 s).
    expect(firstZero!.stamp - lastStamp!).toBeLessThanOrEqual(deadmanTimeout + 1 / publishRate + 1e-6);
    const late = h.rec.outputs.filter((o) => o.stamp > lastStamp! + deadmanTimeout + 1 / publishRate + 1e-6);
    expect(late.length).toBeGreaterThan(0);
    expect(late.every(isZero)).toBe(true);
    expect(late.every((o) => o.sent)).toBe(true);
    // ...and the arm actually stopped.
    await waitFor(() => maxAbs(h.latest().velocity) < 0.005, 'the arm to stop');
    ctl.releaseLease('op');
  });

  it('refuses a client without the lease; releasing the lease stops the arm at once', async () => {
    const ctl = h.controller();
    await h.ready();
    expect(ctl.jogJoints('op', [0.2, 0, 0, 0, 0, 0])).toMatchObject({ accepted: false, code: 'no_lease' });
    expect(ctl.acquireLease('op').accepted).toBe(true);
    expect(ctl.acquireLease('intruder')).toMatchObject({ accepted: false, code: 'lease_held' });
    expect(ctl.jogJoints('intruder', [0.2, 0, 0, 0, 0, 0])).toMatchObject({ accepted: false, code: 'not_lease_holder' });
    expect(ctl.releaseLease('intruder')).toMatchObject({ accepted: false, code: 'not_lease_holder' });

    await h.repeat(0.4, () => ctl.jogJoints('op', [-0.3, 0, 0, 0, 0, 0]));
    expect(maxAbs(h.latest().velocity)).toBeGreaterThan(0.05);
    const n = h.rec.outputs.length;
    expect(ctl.releaseLease('op').accepted).toBe(true);
    const release = h.rec.outputs[n];
    expect(release).toMatchObject({ trigger: 'lease', sent: true, stop: 'lease' });
    expect(isZero(release)).toBe(true);
    expect(ctl.leaseHolder).toBeUndefined();
    expect(ctl.jogJoints('op', [-0.3, 0, 0, 0, 0, 0]).accepted).toBe(false);
    await waitFor(() => maxAbs(h.latest().velocity) < 0.005, 'the arm to stop after release');
    expect(h.rec.outputs.slice(n).every(isZero)).toBe(true);
  });

  it('e-stop stops and latches; after reset the arm stays still until a new command', async () => {
    const ctl = h.controller();
    await h.ready();
    ctl.acquireLease('op');
    await h.repeat(0.4, () => ctl.jogJoints('op', [0, 0, 0, 0, 0, 0.4]));
    const n = h.rec.outputs.length;
    ctl.estop('op', 'test');
    expect(h.rec.outputs[n]).toMatchObject({ trigger: 'estop', stop: 'estopped', sent: true });
    expect(isZero(h.rec.outputs[n])).toBe(true);
    expect(ctl.jogJoints('op', [0, 0, 0, 0, 0, 0.4])).toMatchObject({ accepted: false, code: 'estopped' });
    expect(ctl.status().estopped).toBe(true);
    await waitFor(() => maxAbs(h.latest().velocity) < 0.005, 'the arm to stop on e-stop');
    expect(h.rec.events.some((e) => e.kind === 'estop')).toBe(true);

    expect(ctl.resetEstop('op').accepted).toBe(true);
    const afterReset = h.rec.outputs.length;
    const t = h.cellTime();
    await waitFor(() => h.cellTime() > t + 0.3, '0.3 s of cell time after reset');
    expect(h.rec.outputs.slice(afterReset).every(isZero)).toBe(true);
    expect(maxAbs(h.latest().velocity)).toBeLessThan(0.005);

    const q = h.latest().position[5];
    await h.repeat(0.4, () => ctl.jogJoints('op', [0, 0, 0, 0, 0, 0.4]));
    expect(h.latest().position[5] - q).toBeGreaterThan(0.05);
    ctl.releaseLease('op');
  });

  it('holds the TCP speed limit and the workspace box, on FK of the measured joints', async () => {
    await h.resetSim();
    const home = forwardKinematics(h.adapter.arm, h.latest().position, TOOL).position;
    const maxTcpSpeed = 0.06;
    const wallX = home[0] + 0.04; // home x is about -0.49 m: the wall is 4 cm ahead in +x
    const ctl = h.controller(
      { maxTcpSpeed, workspace: { min: [-0.9, -0.6, 0.05], max: [wallX, 0.6, 0.8] } },
      TOOL,
    );
    await h.ready();
    ctl.acquireLease('op');
    const from = h.rec.samples.length;
    // Ask for 0.2 m/s toward the wall, for long enough to cross it four times over.
    await h.repeat(2.5, () => ctl.jogTwist('op', { linear: [0.2, 0, 0], angular: [0, 0, 0], frame: 'base' }));
    ctl.releaseLease('op');
    await waitFor(() => maxAbs(h.latest().velocity) < 0.005, 'the arm to stop');

    const measured = h.rec.samples.slice(from);
    let maxX = -Infinity;
    let maxSpeed = 0;
    for (const s of measured) {
      maxX = Math.max(maxX, forwardKinematics(h.adapter.arm, s.position, TOOL).position[0]);
      const J = jacobian(h.adapter.arm, s.position, TOOL);
      const v = [0, 1, 2].map((r) => J[r].reduce((acc, jr, i) => acc + jr * s.velocity[i], 0));
      maxSpeed = Math.max(maxSpeed, Math.hypot(...v));
    }
    expect(maxX).toBeGreaterThan(home[0] + 0.02); // it did move toward the wall
    expect(maxX).toBeLessThanOrEqual(wallX + 0.005); // 5 mm: the sim's servo tracking, not the limit
    expect(maxSpeed).toBeGreaterThan(0.03);
    expect(maxSpeed).toBeLessThanOrEqual(maxTcpSpeed * 1.1);
    const codes = new Set(h.rec.outputs.flatMap((o) => o.limited));
    expect(codes.has('tcp_speed') || codes.has('workspace')).toBe(true);
    expect(codes.has('workspace')).toBe(true);
  });

  it('stops when the measured force exceeds maxForce (tool driven down into the table); teleop backs it off slowly', async () => {
    await h.resetSim();
    // Release at 3 N: under what the tool reads resting on the table after the stop (~4 N; its weight alone ~8 N),
    // so the stop stays latched as for a tool jammed against a fixture.
    const ctl = h.controller({ maxForce: 30, forceReleaseRatio: 0.1, maxTcpSpeed: 0.1, workspace: { min: [-0.9, -0.6, -0.2], max: [0.6, 0.6, 0.8] } }, TOOL);
    await h.ready();
    ctl.acquireLease('op');
    // Jog down until the force gate closes (the fingertips are ~0.32 m above the table).
    await waitFor(() => {
      ctl.jogTwist('op', { linear: [0, 0, -0.08], angular: [0, 0, 0], frame: 'base' });
      return !ctl.status().gates.force;
    }, 'the force gate to close', 60_000);
    const stopAt = h.rec.outputs.findIndex((o) => o.stop === 'force');
    expect(stopAt).toBeGreaterThanOrEqual(0);
    expect(h.rec.events.some((e) => e.kind === 'force_stop' && e.code === 'force_limit')).toBe(true);
    expect(h.rec.outputs.slice(stopAt).every(isZero)).toBe(true);
    await waitFor(() => maxAbs(h.latest().velocity) < 0.01, 'the arm to stop on the table');
    // The measured force did cross our threshold, and stayed far below the cell's own protective stop (150 N).
    const peak = Math.max(...h.rec.wrenches.slice(-5000).map((w) => Math.hypot(...w.force)));
    expect(peak).toBeGreaterThan(30);
    expect(peak).toBeLessThan(150);
    expect(h.sim.cell.safetyMode()).toBe(1);

    // Still latched (with the release threshold set under the ~4 N the resting tool reads); backing off:
    // the operator jogs up, and it moves at most forceRecoverySpeed (20 mm/s) while the stop holds.
    expect(ctl.status().gates.force).toBe(false);
    const upFrom = h.rec.samples.length;
    const z0 = forwardKinematics(h.adapter.arm, h.latest().position, TOOL).position[2];
    await h.repeat(1.0, () => ctl.jogTwist('op', { linear: [0, 0, 0.08], angular: [0, 0, 0], frame: 'base' }));
    expect(h.rec.events.some((e) => e.kind === 'force_stop' && e.code === 'force_recovery')).toBe(true);
    let upSpeed = 0;
    for (const s of h.rec.samples.slice(upFrom)) {
      const J = jacobian(h.adapter.arm, s.position, TOOL);
      upSpeed = Math.max(upSpeed, Math.hypot(...[0, 1, 2].map((r) => J[r].reduce((acc, jr, i) => acc + jr * s.velocity[i], 0))));
    }
    const rose = forwardKinematics(h.adapter.arm, h.latest().position, TOOL).position[2] - z0;
    expect(rose).toBeGreaterThan(0.005);
    expect(upSpeed).toBeLessThanOrEqual(0.02 * 1.1);
    expect(h.rec.outputs.slice(-5).every((o) => o.stop !== undefined || o.limited.includes('force_recovery'))).toBe(true);
    ctl.releaseLease('op');
  });

  it('closes the gripper and holds the target through a stop', async () => {
    const ctl = h.controller();
    await h.ready();
    ctl.acquireLease('op');
    expect(ctl.setGripper('op', 1).accepted).toBe(true);
    await waitFor(() => (h.latest().gripper ?? 0) > 0.5, 'the gripper to close');
    const withGripper = h.rec.outputs.filter((o) => o.gripper === 1);
    expect(withGripper.length).toBeGreaterThan(0);
    ctl.releaseLease('op');
    expect(ctl.status().lastOutput?.gripper).toBe(1);
    expect(ctl.status().lastOutput?.velocities).toEqual(ZERO);
    await sleep(200);
    expect(h.latest().gripper ?? 0).toBeGreaterThan(0.5);
  });
});
