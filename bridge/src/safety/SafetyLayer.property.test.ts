import { describe, expect, it } from 'vitest';
import { UR5E, forwardKinematics, jacobian, type ArmModel } from '../kinematics/index.ts';
import { linear } from './limitVelocity.ts';
import type { SafetyEvent } from './SafetyEvent.ts';
import { SafetyLayer } from './SafetyLayer.ts';
import type { SafetyLimits } from './SafetyLimits.ts';
import { KinematicArm, mulberry32 } from './testing/KinematicArm.ts';

const HOME = [0, -Math.PI / 2, Math.PI / 2, -Math.PI / 2, -Math.PI / 2, 0];

/**
 * A UR5e with joint limits 0.6 rad either side of home, so random motion
 * reaches joint limits often (the real ±2π limits are rarely approached).
 */
const NARROW: ArmModel = { ...UR5E, jointLimits: HOME.map((h) => ({ lower: h - 0.6, upper: h + 0.6 })) };

/** A tight box around home (TCP at about (-0.49, -0.13, 0.49)) so walls are hit often. */
const BOX: SafetyLimits['workspace'] = { min: [-0.6, -0.3, 0.35], max: [-0.35, 0.05, 0.6] };

interface Violation {
  tick: number;
  what: string;
}

/**
 * Drive the layer with random commands (seeded) on an ideal kinematic arm
 * and check every invariant on every tick. Returns violations (expected none)
 * and counters showing the limits were actually exercised.
 */
function run(seed: number, ticks: number, opts: { toolOffset?: [number, number, number]; disturb?: boolean } = {}) {
  const rand = mulberry32(seed);
  const events: SafetyEvent[] = [];
  const layer = new SafetyLayer({ arm: NARROW, limits: { workspace: BOX }, toolOffset: opts.toolOffset, onEvent: (e) => events.push(e) });
  const L = layer.limits;
  const sim = new KinematicArm({ arm: NARROW, q0: HOME });
  const dt = sim.dt;
  const violations: Violation[] = [];
  const seen = new Set<string>();
  let prev = new Array<number>(6).fill(0);
  let cmd: number[] = new Array<number>(6).fill(0);
  let holdFor = 0;
  let silentFor = 0;
  let disturbFor = 0;
  let maxOutside = 0;
  let moving = 0;

  for (let t = 0; t < ticks; t++) {
    // Pick a new random intent now and then: uniform, huge, tiny, or single-joint.
    if (holdFor-- <= 0) {
      holdFor = Math.floor(rand() * 250);
      const style = rand();
      const amp = style < 0.2 ? 5 : style < 0.3 ? 0.01 : 1.2;
      cmd = L.maxJointVelocity.map((m) => (rand() * 2 - 1) * m * amp);
      if (style > 0.85) cmd = cmd.map((x, i) => (i === Math.floor(rand() * 6) ? x : 0));
    }
    // Occasional silences (deadman) and, optionally, disturbances (gates, e-stop).
    if (silentFor > 0) silentFor--;
    else if (rand() < 0.003) silentFor = Math.floor(rand() * 40);
    if (opts.disturb) {
      if (disturbFor > 0 && --disturbFor === 0) {
        sim.connected = true;
        sim.safetyMode = 1;
        sim.leaseHolder = 'op';
        sim.force = [0, 0, 0];
        if (layer.estopped) layer.resetEstop('op');
      } else if (disturbFor === 0 && rand() < 0.002) {
        disturbFor = 1 + Math.floor(rand() * 30);
        const which = Math.floor(rand() * 5);
        if (which === 0) sim.connected = false;
        else if (which === 1) sim.safetyMode = 3;
        else if (which === 2) sim.leaseHolder = undefined;
        else if (which === 3) sim.force = [0, 0, 120];
        else layer.estop('op', 'test');
      }
    }
    if (silentFor === 0) {
      const r = layer.submit({ kind: 'joint_velocity', velocities: cmd, source: rand() < 0.5 ? 'teleop' : 'policy', stamp: sim.now }, 'op');
      seen.add(r.accepted ? 'accepted' : `refused:${r.code}`);
    }

    const out = layer.tick(sim.inputs());
    const v = out.velocities;
    const bad = (what: string) => violations.length < 20 && violations.push({ tick: t, what: `${what} [${out.limited.join(",")}]` });
    if (!v.every(Number.isFinite) || v.length !== 6) bad(`non-finite output ${v}`);
    const allZero = v.every((x) => x === 0);
    if (!allZero) moving++;
    for (let i = 0; i < 6; i++) {
      if (Math.abs(v[i]) > L.maxJointVelocity[i] * (1 + 1e-9)) bad(`joint ${i} speed ${v[i]}`);
      // Stops to zero are immediate by design; everything else ramps.
      if (!allZero && Math.abs(v[i] - prev[i]) > L.maxJointAcceleration[i] * dt * (1 + 1e-6) + 1e-12) {
        bad(`joint ${i} accel ${(v[i] - prev[i]) / dt}`);
      }
    }
    const J = jacobian(NARROW, sim.q, opts.toolOffset);
    const tcpSpeed = Math.hypot(...linear(J, v));
    if (tcpSpeed > L.maxTcpSpeed * (1 + 1e-6)) bad(`TCP speed ${tcpSpeed}`);
    for (const c of out.limited) seen.add(c);
    prev = v;

    sim.apply(out);
    for (let i = 0; i < 6; i++) {
      const lim = NARROW.jointLimits[i];
      if (sim.q[i] < lim.lower || sim.q[i] > lim.upper) bad(`joint ${i} at ${sim.q[i]} crossed [${lim.lower}, ${lim.upper}]`);
    }
    const p = forwardKinematics(NARROW, sim.q, opts.toolOffset).position;
    for (let k = 0; k < 3; k++) maxOutside = Math.max(maxOutside, BOX.min[k] - p[k], p[k] - BOX.max[k]);
  }
  return { violations, seen, maxOutside, moving, events, counts: layer.status().counts };
}

describe('SafetyLayer property: random commands on an ideal kinematic arm', () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`seed ${seed}: finite, within speed/accel/TCP limits, joints and TCP stay inside`, () => {
      const r = run(seed, 6000, { toolOffset: seed % 2 ? [0.02, 0, 0.1] : undefined });
      expect(r.violations).toEqual([]);
      expect(r.maxOutside).toBeLessThan(1e-3);
      // The run must actually have moved and exercised the limits, or it proves nothing.
      expect(r.moving).toBeGreaterThan(2000);
      for (const code of ['joint_velocity', 'joint_acceleration', 'tcp_speed', 'workspace']) expect(r.seen).toContain(code);
      // On an ideal arm the layer never needed an unplanned immediate stop.
      expect(r.counts['clamp:immediate_stop'] ?? 0).toBe(0);
    });
  }

  it('with gates flapping, e-stops and force stops, the same invariants hold', () => {
    const r = run(7, 8000, { disturb: true });
    expect(r.violations).toEqual([]);
    expect(r.maxOutside).toBeLessThan(1e-3);
    const kinds = new Set(r.events.map((e) => e.code));
    for (const code of ['disconnected', 'safety_mode', 'no_lease', 'force_limit', 'estop', 'deadman_expired']) expect(kinds).toContain(code);
  });

  it('joint position margins are exercised and never crossed', () => {
    // Single-joint pushes toward limits are frequent with the narrow arm.
    const r = run(11, 6000);
    expect(r.violations).toEqual([]);
    expect(r.seen).toContain('joint_position_margin');
  });

  it('ticks at irregular times (early and ramp ticks off the grid): every change within a·(time since the last change, ≤ a period), every window within a·(W + period)', () => {
    const rand = mulberry32(21);
    const layer = new SafetyLayer({ arm: UR5E, limits: {} });
    const L = layer.limits;
    const period = 1 / L.publishRate;
    const sim = new KinematicArm({ arm: UR5E, q0: HOME });
    const changes: { t: number; dv: number[] }[] = [];
    const bad: string[] = [];
    let prev = new Array<number>(6).fill(0);
    let lastChange = -Infinity;
    let cmd = new Array<number>(6).fill(0);
    for (let k = 0; k < 20_000; k++) {
      // Tick gaps from 0 (a second tick at the same cell time) to 1.5 periods.
      const r = rand();
      sim.now += r < 0.15 ? 0 : r < 0.6 ? rand() * 0.002 : rand() * 1.5 * period;
      if (rand() < 0.05) cmd = L.maxJointVelocity.map((m) => (rand() < 0.3 ? 0 : (rand() * 2 - 1) * m));
      layer.submit({ kind: 'joint_velocity', velocities: cmd, source: 'teleop', stamp: sim.now }, 'op');
      const out = layer.tick(sim.inputs({ jointPositions: HOME }));
      const v = out.velocities;
      const dv = v.map((x, i) => x - prev[i]);
      if (dv.some((d) => d !== 0)) {
        const step = Math.min(period, sim.now - lastChange);
        if (!v.every((x) => x === 0)) {
          for (let i = 0; i < 6; i++) {
            if (Math.abs(dv[i]) > L.maxJointAcceleration[i] * step * (1 + 1e-9) + 1e-12 && bad.length < 10) bad.push(`tick ${k}: joint ${i} changed ${dv[i]} over ${step} s`);
          }
          changes.push({ t: sim.now, dv });
        } else changes.length = 0; // stops to zero are immediate by design: windows restart after one
        lastChange = sim.now;
      }
      prev = v;
      // Windows of one to five periods ending now.
      for (const w of [period, 2 * period, 5 * period]) {
        for (let i = 0; i < 6; i++) {
          const sum = changes.filter((c) => c.t > sim.now - w).reduce((a, c) => a + Math.abs(c.dv[i]), 0);
          if (sum > L.maxJointAcceleration[i] * (w + period) * (1 + 1e-9) + 1e-12 && bad.length < 10) bad.push(`tick ${k}: joint ${i} changed ${sum} within ${w} s`);
        }
      }
      if (changes.length > 64) changes.splice(0, 32);
    }
    expect(bad).toEqual([]);
    expect(layer.status().counts['clamp:joint_acceleration']).toBeGreaterThan(100);
  });
});
