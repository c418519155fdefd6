import { describe, expect, it } from 'vitest';
import { UR5E, jacobian } from '../kinematics/index.ts';
import type { JointVelocityCommand } from './JointVelocityCommand.ts';
import type { SafetyEvent } from './SafetyEvent.ts';
import type { SafetyInputs } from './SafetyInputs.ts';
import { SafetyLayer } from './SafetyLayer.ts';
import type { SafetyLimits } from './SafetyLimits.ts';
import { KinematicArm } from './testing/KinematicArm.ts';

const HOME = [0, -Math.PI / 2, Math.PI / 2, -Math.PI / 2, -Math.PI / 2, 0];
/** Slow base rotation: within every limit once ramped (0.05 rad/s ≈ 25 mm/s at the TCP). */
const SLOW = [0.05, 0, 0, 0, 0, 0];
const A_DT = 4 / 125; // UR5e base joint: 4 rad/s² over one 125 Hz tick

/** A layer on an ideal UR5e at HOME, ticked once (unless `prime` is false) so the lease holder 'op' is known. */
function setup(limits?: Partial<SafetyLimits>, { prime = true } = {}) {
  const events: SafetyEvent[] = [];
  const layer = new SafetyLayer({ arm: UR5E, limits, onEvent: (e) => events.push(e) });
  const sim = new KinematicArm({ arm: UR5E, q0: HOME });
  const step = (over: Partial<SafetyInputs> = {}) => {
    const out = layer.tick(sim.inputs(over));
    sim.apply(out);
    return out;
  };
  const send = (velocities = SLOW, extra: Partial<JointVelocityCommand> = {}, from = 'op') =>
    layer.submit({ kind: 'joint_velocity', velocities, source: 'teleop', stamp: sim.now, ...extra }, from);
  /** Send a fresh command and tick, n times; returns the last output. */
  const drive = (n: number, velocities = SLOW, over: Partial<SafetyInputs> = {}) => {
    let out = layer.status().lastOutput;
    for (let i = 0; i < n; i++) {
      send(velocities);
      out = step(over);
    }
    return out;
  };
  const count = (code: string) => events.filter((e) => e.code === code).length;
  if (prime) step();
  return { layer, sim, events, step, send, drive, count };
}

const zero = (v: number[]) => v.every((x) => x === 0);
const wrench = (fz: number) => ({ wrench: { force: [0, 0, fz] as [number, number, number], torque: [0, 0, 0] as [number, number, number] } });
/** m/s: linear TCP speed (flange) of joint velocities `qd` at `q`. */
function tcpSpeed(q: number[], qd: number[]): number {
  const J = jacobian(UR5E, q);
  return Math.hypot(...[0, 1, 2].map((r) => J[r].reduce((a, x, i) => a + x * qd[i], 0)));
}

describe('SafetyLayer: submit', () => {
  it('refuses everything before the first tick: the lease holder is not yet known', () => {
    const { send } = setup({}, { prime: false });
    expect(send()).toMatchObject({ accepted: false, code: 'no_lease' });
  });

  it('accepts the lease holder only, with a refusal event naming the holder', () => {
    const { send, events } = setup();
    const r = send(SLOW, {}, 'intruder');
    expect(r).toMatchObject({ accepted: false, code: 'not_lease_holder' });
    expect(r.message).toContain('held by op');
    expect(events.at(-1)).toMatchObject({ kind: 'refusal', code: 'not_lease_holder' });
    expect(send()).toEqual({ accepted: true });
  });

  it('refuses malformed commands, saying what was expected and found', () => {
    const { step, layer, sim } = setup();
    const base = { kind: 'joint_velocity', velocities: SLOW, source: 'teleop', stamp: sim.now };
    const cases: [unknown, string][] = [
      [{ ...base, velocities: [0, 0, 0] }, 'expected 6 joint velocities, found 3'],
      [{ ...base, velocities: [0, NaN, 0, 0, 0, 0] }, 'found NaN at joint 1'],
      [{ ...base, velocities: [0, 0, Infinity, 0, 0, 0] }, 'found Infinity at joint 2'],
      [{ ...base, kind: 'twist' }, 'expected kind "joint_velocity"'],
      [{ ...base, source: 'robot' }, 'expected source'],
      [{ ...base, stamp: NaN }, 'finite stamp'],
      [{ ...base, gripper: NaN }, 'gripper'],
      [null, 'found null'],
    ];
    for (const [cmd, text] of cases) {
      const r = layer.submit(cmd as JointVelocityCommand, 'op');
      expect(r.accepted).toBe(false);
      expect(r.code).toBe('malformed');
      expect(r.message).toContain(text);
    }
    expect(zero(step().velocities)).toBe(true);
  });

  it('refuses commands already past the deadman, or stamped far in the future', () => {
    const { step, send, sim } = setup();
    expect(send(SLOW, { stamp: sim.now - 0.5 })).toMatchObject({ accepted: false, code: 'stale_command' });
    expect(send(SLOW, { stamp: sim.now + 5 })).toMatchObject({ accepted: false, code: 'stamp_in_future' });
  });

  it('copies the command: changing the caller array afterwards changes nothing', () => {
    const { step, send, layer } = setup();
    const v = SLOW.slice();
    send(v);
    v[0] = 100;
    const out = step();
    expect(out.velocities[0]).toBeCloseTo(A_DT, 12);
    out.velocities[0] = 42;
    expect(layer.status().lastOutput.velocities[0]).toBeCloseTo(A_DT, 12);
  });
});

describe('SafetyLayer: ramping and deadman', () => {
  it('ramps up at the acceleration limit and down to a smaller command, but stops at once on deadman', () => {
    const { drive, step, events, count } = setup();
    const fast = [0.3, 0, 0, 0, 0, 0];
    const outs = [1, 2, 3].map(() => drive(1, fast).velocities[0]);
    expect(outs[0]).toBeCloseTo(A_DT, 12);
    expect(outs[1]).toBeCloseTo(2 * A_DT, 12);
    expect(outs[2]).toBeCloseTo(3 * A_DT, 12);
    const cruising = drive(20, fast).velocities[0];
    expect(cruising).toBeCloseTo(0.3, 9);
    // A smaller command is a deceleration: ramped.
    expect(drive(1, SLOW).velocities[0]).toBeCloseTo(0.3 - A_DT, 12);
    // Silence: the last command holds until it is deadmanTimeout old, then zero in one tick.
    drive(20, SLOW);
    let ticks = 0;
    let out = step();
    while (!zero(out.velocities)) {
      expect(out.velocities[0]).toBeCloseTo(0.05, 12);
      out = step();
      ticks++;
    }
    expect(ticks).toBeGreaterThanOrEqual(11); // 0.1 s at 125 Hz, minus the tick already taken
    expect(ticks).toBeLessThanOrEqual(13);
    expect(out.stop).toBe('deadman');
    for (let i = 0; i < 50; i++) expect(zero(step().velocities)).toBe(true);
    expect(count('deadman_expired')).toBe(1);
    expect(events.find((e) => e.kind === 'deadman')?.message).toContain('deadman 0.1 s');
    // A new command moves again, ramping from zero.
    expect(drive(1).velocities[0]).toBeCloseTo(A_DT, 12);
  });

  it('takes the acceleration step from the last change of the output, not the last tick (ticks off the grid)', () => {
    const { layer, sim, send } = setup();
    const FAST = [0.3, 0, 0, 0, 0, 0];
    const A = UR5E.maxJointAcceleration[0];
    /** Tick `ms` after the previous one (the controller's early and ramp ticks are off the 125 Hz grid). */
    const tickAfter = (ms: number) => {
      sim.now += ms / 1000;
      return layer.tick(sim.inputs()).velocities[0];
    };
    expect(tickAfter(8)).toBe(0); // the grid at rest: zeros re-sent, nothing changed
    // A jog 1 ms after that tick: zeros have gone out unchanged for over a period, so the step is a whole period's.
    send(FAST);
    expect(tickAfter(1)).toBeCloseTo(A_DT, 12);
    // From then on each step is a·(time since that change), however the ticks fall.
    send(FAST);
    expect(tickAfter(2)).toBeCloseTo(A_DT + A * 0.002, 12);
    send(FAST);
    expect(tickAfter(0)).toBeCloseTo(A_DT + A * 0.002, 12); // a second tick at the same time: no step left
    send(FAST);
    expect(tickAfter(0.5)).toBeCloseTo(A_DT + A * 0.0025, 12);
    // Never more than one period's step, however long the output was held.
    for (let i = 0; i < 20; i++) send(SLOW), tickAfter(8);
    expect(layer.status().lastOutput.velocities[0]).toBeCloseTo(0.05, 12);
    send(FAST);
    expect(tickAfter(3)).toBeCloseTo(0.05 + A_DT, 12);
  });

  it('a command stamped slightly in the future cannot outlive the deadman after it arrived', () => {
    const { step, send, sim } = setup();
    expect(send(SLOW, { stamp: sim.now + 0.09 }).accepted).toBe(true);
    const arrived = sim.now;
    let out = step();
    while (!zero(out.velocities)) out = step();
    expect(sim.now - arrived).toBeLessThanOrEqual(0.1 + 2 * sim.dt + 1e-9);
  });
});

describe('SafetyLayer: gates', () => {
  const disturbances: { name: string; over: (sim: KinematicArm) => Partial<SafetyInputs>; code: string; gate: string }[] = [
    { name: 'disconnect', over: () => ({ connected: false }), code: 'disconnected', gate: 'connection' },
    { name: 'stale joint state', over: (s) => ({ jointStateStamp: s.now - 0.2 }), code: 'connection_stale', gate: 'connection' },
    { name: 'joint state from the future', over: (s) => ({ jointStateStamp: s.now + 0.2 }), code: 'connection_stale', gate: 'connection' },
    { name: 'protective stop', over: () => ({ safetyMode: 3 }), code: 'safety_mode', gate: 'safetyMode' },
    { name: 'reduced mode (not allowed by default)', over: () => ({ safetyMode: 2 }), code: 'safety_mode', gate: 'safetyMode' },
    { name: 'lease lost', over: () => ({ leaseHolder: undefined }), code: 'no_lease', gate: 'lease' },
    { name: 'force over the limit', over: () => ({ wrench: { force: [0, 60, 70], torque: [0, 0, 0] } }), code: 'force_limit', gate: 'force' },
  ];
  for (const d of disturbances) {
    it(`${d.name}: zeros at once, one event, and the old command never resumes`, () => {
      // (Force with backing off disabled: with it, new teleop commands may move slowly — tested below.)
      const { drive, step, send, layer, sim, events } = setup(d.gate === 'force' ? { forceRecoverySpeed: 0 } : {});
      expect(zero(drive(10).velocities)).toBe(false);
      for (let i = 0; i < 3; i++) {
        const out = step(d.over(sim));
        expect(out.velocities).toEqual([0, 0, 0, 0, 0, 0]);
        expect(out.stop).toBe(d.gate);
        // While closed, commands are refused (the lease case: nobody holds it).
        expect(send()).toMatchObject({ accepted: false, code: d.gate === 'lease' ? 'no_lease' : 'gate_closed' });
      }
      const kind = d.gate === 'force' ? 'force_stop' : 'gate';
      expect(events.filter((e) => e.kind === kind && e.code === d.code)).toHaveLength(1);
      expect(layer.status().gates[d.gate as 'lease']).toBe(false);
      // Back to normal, 32 ms later: the last command is still within the deadman but must not move the arm.
      const back = step();
      expect(back.velocities).toEqual([0, 0, 0, 0, 0, 0]);
      expect(back.stop).toBe('no_command');
      // Reported at start and now (the second within a second of the first, so counted, not delivered).
      expect(layer.status().counts['gate:gates_open']).toBe(2);
      expect(send().accepted).toBe(true);
      expect(step().velocities[0]).toBeCloseTo(A_DT, 12);
    });
  }

  it('a gate held closed for seconds gives one event, not one per tick', () => {
    const { drive, step, count } = setup();
    drive(5);
    for (let i = 0; i < 125 * 3; i++) step({ connected: false });
    expect(count('disconnected')).toBe(1);
  });

  it('any safety mode change makes earlier commands stale, even between allowed modes', () => {
    const { drive, step, send, count } = setup({ allowedSafetyModes: [1, 2] });
    drive(5);
    const out = step({ safetyMode: 2 });
    expect(zero(out.velocities)).toBe(true);
    expect(count('safety_mode_changed')).toBe(1);
    expect(send().accepted).toBe(true);
    expect(step({ safetyMode: 2 }).velocities[0]).toBeCloseTo(A_DT, 12);
  });

  it('a lease moving to another client stops the old holder at once', () => {
    const { drive, step, send, sim, count } = setup();
    drive(10);
    sim.leaseHolder = 'second';
    expect(zero(step().velocities)).toBe(true);
    expect(count('lease_changed')).toBe(1);
    expect(send(SLOW, {}, 'op')).toMatchObject({ accepted: false, code: 'not_lease_holder' });
    expect(send(SLOW, {}, 'second').accepted).toBe(true);
    expect(step().velocities[0]).toBeCloseTo(A_DT, 12);
  });

  it('force stop holds until the force falls below the release threshold, then needs a new command', () => {
    const { drive, step, send, count } = setup({ forceRecoverySpeed: 0 });
    drive(10);
    expect(zero(step(wrench(85)).velocities)).toBe(true);
    // 70 N is under maxForce (80) but over the release threshold (64): still stopped.
    for (let i = 0; i < 10; i++) {
      expect(send()).toMatchObject({ accepted: false, code: 'gate_closed' });
      expect(zero(step(wrench(70)).velocities)).toBe(true);
    }
    expect(zero(step(wrench(60)).velocities)).toBe(true);
    expect(count('force_limit')).toBe(1);
    send();
    expect(step(wrench(60)).velocities[0]).toBeCloseTo(A_DT, 12);
  });
});

describe('SafetyLayer: backing off a force stop', () => {
  /** Base rotation at 0.5 rad/s: ~0.25 m/s at the TCP, far over the 20 mm/s allowed while backing off. */
  const FAST = [0.5, 0, 0, 0, 0, 0];
  /** The way back: `drive` turned the base positive before each stop. */
  const BACK = [-0.5, 0, 0, 0, 0, 0];

  it('a command on in the direction the stop interrupted (a jog button still held) is not backing off', () => {
    const { drive, step, send, count } = setup();
    drive(10);
    step(wrench(85));
    for (let i = 0; i < 5; i++) {
      expect(send(FAST).accepted).toBe(true);
      expect(step(wrench(85)).velocities).toEqual([0, 0, 0, 0, 0, 0]);
    }
    expect(count('force_recovery_direction')).toBe(1);
    send(BACK);
    expect(step(wrench(85)).velocities[0]).toBeLessThan(0);
  });

  it('a teleop command sent after the stop moves at most forceRecoverySpeed at the TCP; the command from before never moves', () => {
    const { drive, step, send, sim, events, count, layer } = setup();
    drive(10);
    expect(step(wrench(85)).stop).toBe('force');
    // No new command: the one that pressed into the contact stays void.
    for (let i = 0; i < 5; i++) expect(step(wrench(85)).stop).toBe('force');
    let fastest = 0;
    let out = step(wrench(85));
    for (let i = 0; i < 60; i++) {
      expect(send(BACK)).toEqual({ accepted: true });
      out = step(wrench(84));
      fastest = Math.max(fastest, tcpSpeed(sim.q, out.velocities));
    }
    expect(out.stop).toBeUndefined();
    expect(out.limited).toContain('force_recovery');
    expect(out.velocities[0]).toBeLessThan(0);
    expect(fastest).toBeGreaterThan(0.015);
    expect(fastest).toBeLessThanOrEqual(0.02 + 1e-9);
    expect(count('force_recovery')).toBe(1);
    expect(events.find((e) => e.code === 'force_recovery')?.message).toMatch(/at most 20 mm\/s; stops if the force rises above 94\.0 N/);
    expect(layer.status().gates.force).toBe(false);
  });

  it('a policy cannot back off: its commands are refused during a force stop', () => {
    const { drive, step, send } = setup();
    drive(10);
    step(wrench(85));
    expect(send(SLOW, { source: 'policy' })).toMatchObject({ accepted: false, code: 'gate_closed' });
    expect(send(SLOW).accepted).toBe(true);
  });

  it('moving into the contact: the force rising forceRecoveryRise over its lowest stops and voids the command; a new one may try again', () => {
    const { drive, step, send, events, count } = setup();
    drive(10);
    step(wrench(85));
    send(BACK);
    expect(zero(step(wrench(84)).velocities)).toBe(false);
    send(BACK);
    expect(zero(step(wrench(93)).velocities)).toBe(false); // lowest 84: up to 94 N is allowed
    send(BACK);
    const stopped = step(wrench(95));
    expect(stopped.velocities).toEqual([0, 0, 0, 0, 0, 0]);
    expect(count('force_recovery_stopped')).toBe(1);
    expect(events.find((e) => e.code === 'force_recovery_stopped')?.message).toMatch(/raised the force to 95\.0 N \(lowest since the stop 84\.0 N\)/);
    // The command that was moving stays void...
    expect(zero(step(wrench(95)).velocities)).toBe(true);
    // ...a new one may move, measured from here (up to 105 N).
    send(BACK);
    expect(step(wrench(95)).velocities[0]).toBeLessThan(0);
  });

  it('the force falling below release while backing off: zeros, then a new command moves at the full limits', () => {
    const { drive, step, send, sim } = setup();
    drive(10);
    step(wrench(85));
    for (let i = 0; i < 20; i++) {
      send(BACK);
      step(wrench(70));
    }
    const released = step(wrench(60));
    expect(released.velocities).toEqual([0, 0, 0, 0, 0, 0]);
    expect(released.stop).toBe('no_command');
    let out = released;
    for (let i = 0; i < 60; i++) {
      send(FAST);
      out = step(wrench(10));
    }
    expect(out.limited).not.toContain('force_recovery');
    expect(tcpSpeed(sim.q, out.velocities)).toBeGreaterThan(0.1);
  });

  it(`over 1.5 × maxForce nothing backs off: freedrive on the pendant`, () => {
    const { drive, step, send, count } = setup();
    drive(10);
    step(wrench(125));
    expect(send(BACK).accepted).toBe(true);
    expect(step(wrench(125)).velocities).toEqual([0, 0, 0, 0, 0, 0]);
    expect(count('force_recovery_refused')).toBe(1);
  });
});

describe('SafetyLayer: e-stop', () => {
  it('latches until reset; reset does not resume motion; a new command does', () => {
    const { drive, step, send, layer, count } = setup();
    drive(10);
    layer.estop('pendant-ui', 'operator pressed stop');
    expect(layer.estopped).toBe(true);
    expect(step().velocities).toEqual([0, 0, 0, 0, 0, 0]);
    expect(send()).toMatchObject({ accepted: false, code: 'estopped' });
    for (let i = 0; i < 200; i++) expect(zero(step().velocities)).toBe(true);
    expect(layer.status().estop).toMatchObject({ by: 'pendant-ui', reason: 'operator pressed stop' });

    layer.resetEstop('');
    expect(layer.estopped).toBe(true); // an anonymous reset is refused
    layer.resetEstop('op');
    expect(layer.estopped).toBe(false);
    expect(step().stop).toBe('no_command');
    expect(send().accepted).toBe(true);
    expect(step().velocities[0]).toBeCloseTo(A_DT, 12);
    expect(count('estop')).toBe(1);
    expect(count('estop_reset')).toBe(1);
  });

  it('limits cannot be loosened through status() or the arm model after construction', () => {
    const arm = structuredClone(UR5E);
    const layer = new SafetyLayer({ arm });
    expect(() => {
      (layer.status().limits.maxJointVelocity as number[])[0] = 10;
    }).toThrow();
    arm.jointLimits[0].upper = 100;
    arm.dh.a[1] = 5;
    const sim = new KinematicArm({ arm: UR5E, q0: HOME });
    sim.q[0] = UR5E.jointLimits[0].upper - 0.005;
    layer.tick(sim.inputs());
    layer.submit({ kind: 'joint_velocity', velocities: [0.5, 0, 0, 0, 0, 0], source: 'teleop', stamp: sim.now }, 'op');
    sim.apply(layer.tick(sim.inputs()));
    expect(layer.status().lastOutput.velocities[0]).toBe(0);
  });

  it('a command right after a reset (before any tick) is accepted and moves on the next tick', () => {
    const { drive, step, send, layer } = setup();
    drive(10);
    layer.estop('op');
    step();
    layer.resetEstop('op');
    expect(send().accepted).toBe(true);
    expect(step().velocities[0]).toBeCloseTo(A_DT, 12);
  });

  it('a reset right after an e-stop does not revive the command from before it', () => {
    const { drive, step, layer } = setup();
    drive(10);
    layer.estop('op');
    layer.resetEstop('op');
    // No tick in between saw the e-stop gate closed; the command is still within the deadman.
    expect(step().velocities).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('an e-stop is never refused, even from an unnamed caller', () => {
    const { drive, step, layer } = setup();
    drive(10);
    layer.estop('');
    expect(layer.estopped).toBe(true);
    expect(zero(step().velocities)).toBe(true);
  });
});

describe('SafetyLayer: untrusted inputs', () => {
  const bad: [string, (s: KinematicArm) => Partial<SafetyInputs>][] = [
    ['NaN joint position', (s) => ({ jointPositions: [0, NaN, ...s.q.slice(2)] })],
    ['infinite joint velocity', () => ({ jointVelocities: [0, 0, Infinity, 0, 0, 0] })],
    ['five joints', (s) => ({ jointPositions: s.q.slice(0, 5) })],
    ['NaN clock', () => ({ now: NaN })],
    ['clock going backwards', (s) => ({ now: s.now - 1, jointStateStamp: s.now - 1 })],
    ['NaN wrench', () => ({ wrench: { force: [NaN, 0, 0], torque: [0, 0, 0] } })],
    ['non-integer safety mode', () => ({ safetyMode: 1.5 })],
    ['NaN joint state stamp', () => ({ jointStateStamp: NaN })],
  ];
  for (const [name, over] of bad) {
    it(`${name}: finite zero output and a bad_inputs event`, () => {
      const { drive, step, sim, events } = setup();
      drive(10);
      const out = step(over(sim));
      expect(out.velocities).toEqual([0, 0, 0, 0, 0, 0]);
      expect(Number.isFinite(out.stamp)).toBe(true);
      expect(out.stop).toBe('inputs');
      expect(events.filter((e) => e.code === 'bad_inputs')).toHaveLength(1);
    });
  }
});

describe('SafetyLayer: events and status', () => {
  it('a held clamp gives one event when it starts and at most one a second after, with counts', () => {
    const { drive, events, layer } = setup();
    drive(250, [5, 0, 0, 0, 0, 0]); // 2 s at 125 Hz, far over the 1 rad/s joint limit
    const clamps = events.filter((e) => e.code === 'joint_velocity' && e.joint === 0);
    expect(clamps.length).toBeGreaterThanOrEqual(2);
    expect(clamps.length).toBeLessThanOrEqual(3);
    expect(clamps[0]).toMatchObject({ kind: 'clamp', requested: 5, allowed: 1 });
    expect(clamps[1].suppressed).toBeGreaterThan(100);
    expect(layer.status().counts['clamp:joint_velocity']).toBeGreaterThanOrEqual(250);
  });

  it('holds the gripper target when motion stops and clamps it to 0..1', () => {
    const { drive, step, send, layer, events } = setup();
    send(SLOW, { gripper: 0.7 });
    expect(step().gripper).toBe(0.7);
    layer.estop('op');
    const stopped = step();
    expect(stopped.velocities).toEqual([0, 0, 0, 0, 0, 0]);
    expect(stopped.gripper).toBe(0.7); // opening on an e-stop would drop the part
    layer.resetEstop('op');
    step();
    send(SLOW, { gripper: 1.5 });
    expect(step().gripper).toBe(1);
    expect(events.find((e) => e.code === 'gripper_range')).toMatchObject({ requested: 1.5, allowed: 1 });
    drive(1);
    expect(layer.status().lastOutput.gripper).toBe(1); // a command without gripper keeps the target
  });

  it('reports gates, motion and the last output', () => {
    const { drive, layer } = setup();
    drive(3);
    const s = layer.status();
    expect(s.gates).toEqual({ estop: true, inputs: true, connection: true, safetyMode: true, force: true, lease: true });
    expect(s).toMatchObject({ estopped: false, motion: 'moving', leaseHolder: 'op', safetyMode: 1 });
    expect(s.lastOutput.source).toBe('teleop');
  });

  it('a throwing event listener cannot break the control loop', () => {
    const layer = new SafetyLayer({ arm: UR5E, onEvent: () => { throw new Error('listener bug'); } });
    const sim = new KinematicArm({ arm: UR5E, q0: HOME });
    expect(() => layer.tick(sim.inputs({ connected: false }))).not.toThrow();
  });

  it('rejects an unsafe configuration at construction', () => {
    expect(() => new SafetyLayer({ arm: UR5E, limits: { maxTcpSpeed: -1 } })).toThrow(/maxTcpSpeed expected a finite number > 0, found -1/);
    expect(() => new SafetyLayer({ arm: UR5E, toolOffset: [0, 0, NaN] })).toThrow(/toolOffset/);
  });
});
