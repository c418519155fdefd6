import { describe, expect, it } from 'vitest';
import {
  CLIENT_MESSAGE_SPECS,
  CLIENT_OPS,
  type ClientMessage,
  clientMessageProblem,
  isClientMessage,
  isEstop,
  isHello,
  isPing,
  isSubscribe,
  isTeleopJoints,
  isTeleopTwist,
} from './ClientMessage.ts';
import { isServerMessage, isTelemetry, isWelcome, SERVER_OPS } from './ServerMessage.ts';

/** One valid example of every op: the list must cover the whole union. */
const VALID: Record<ClientMessage['op'], ClientMessage> = {
  hello: { op: 'hello', version: 1, clientName: 'ui', token: 'abc' },
  subscribe: { op: 'subscribe', streams: ['joints', 'wrench', 'status', 'events', 'health', 'camera:wrist'], maxRateHz: 30 },
  'lease.acquire': { op: 'lease.acquire' },
  'lease.release': { op: 'lease.release' },
  'teleop.joints': { op: 'teleop.joints', velocities: [0.1, -0.2, 0, 0, 0, 0] },
  'teleop.twist': { op: 'teleop.twist', linear: [0.05, 0, 0], angular: [0, 0, 0.1], frame: 'base' },
  'teleop.gripper': { op: 'teleop.gripper', position: 1 },
  estop: { op: 'estop', reason: 'hand in the cell' },
  'estop.reset': { op: 'estop.reset' },
  ping: { op: 'ping', t: 123.5 },
  'record.start': { op: 'record.start', dataset: 'pick', task: 'pick the red cube' },
  'record.stop': { op: 'record.stop', outcome: 'discard', notes: 'dropped it' },
  'policy.start': { op: 'policy.start', policy: 'bc-7', mode: 'supervised', speedScale: 0.3 },
  'policy.stop': { op: 'policy.stop' },
  'policy.resume': { op: 'policy.resume' },
};

describe('client message guards', () => {
  it('accept one valid message of every op', () => {
    expect(Object.keys(VALID).sort()).toEqual([...CLIENT_OPS].sort());
    for (const msg of Object.values(VALID)) expect(clientMessageProblem(msg), msg.op).toBeUndefined();
    expect(isHello(VALID.hello)).toBe(true);
    expect(isTeleopJoints(VALID['teleop.joints'])).toBe(true);
    expect(isTeleopJoints(VALID.hello)).toBe(false);
  });

  it('accept optional fields left out', () => {
    expect(isHello({ op: 'hello', version: 1, clientName: 'ui' })).toBe(true);
    expect(isSubscribe({ op: 'subscribe', streams: [] })).toBe(true);
    expect(isEstop({ op: 'estop' })).toBe(true);
  });

  const invalid: [string, unknown, RegExp][] = [
    ['null', null, /found null/],
    ['array', [{ op: 'ping', t: 1 }], /found an array/],
    ['string', 'ping', /found string/],
    ['no op', { t: 1 }, /"op" to be a string, found none/],
    ['unknown op', { op: 'fly' }, /unknown op "fly"/],
    ['NaN', { op: 'ping', t: Number.NaN }, /ping.t: expected a finite number, found NaN/],
    ['-Infinity', { op: 'teleop.joints', velocities: [0, Number.NEGATIVE_INFINITY] }, /velocities\[1\]: expected a finite number/],
    ['string for number', { op: 'teleop.gripper', position: '0.5' }, /position: expected a finite number/],
    ['too many joints', { op: 'teleop.joints', velocities: new Array(17).fill(0) }, /expected 1..16 numbers, found 17/],
    ['no joints', { op: 'teleop.joints', velocities: [] }, /expected 1..16 numbers, found 0/],
    ['absurd velocity', { op: 'teleop.joints', velocities: [50] }, /at most 10, found 50/],
    ['twist of 4', { op: 'teleop.twist', linear: [0, 0, 0, 0], angular: [0, 0, 0], frame: 'tool' }, /linear: expected 3 numbers, found 4/],
    ['bad frame enum', { op: 'teleop.twist', linear: [0, 0, 0], angular: [0, 0, 0], frame: 'world' }, /frame: expected one of "base", "tool", found "world"/],
    ['gripper > 1', { op: 'teleop.gripper', position: 1.01 }, /at most 1, found 1.01/],
    ['version not integer', { op: 'hello', version: 1.5, clientName: 'x' }, /expected an integer, found 1.5/],
    ['empty client name', { op: 'hello', version: 1, clientName: '' }, /clientName: expected 1..64 characters, found 0/],
    ['rate too high', { op: 'subscribe', streams: [], maxRateHz: 1000 }, /maxRateHz: expected at most 500/],
    ['bad stream', { op: 'subscribe', streams: ['cameras'] }, /streams\[0\]: expected joints, wrench/],
    ['camera without name', { op: 'subscribe', streams: ['camera:'] }, /streams\[0\]/],
    ['unknown outcome', { op: 'record.stop', outcome: 'meh' }, /outcome: expected one of "success", "failure", "discard"/],
    ['speedScale > 1', { op: 'policy.start', policy: 'p', mode: 'autonomous', speedScale: 2 }, /speedScale: expected at most 1/],
    ['unknown mode', { op: 'policy.start', policy: 'p', mode: 'yolo', speedScale: 1 }, /mode: expected one of/],
    ['policy as a path', { op: 'policy.start', policy: '../etc', mode: 'shadow', speedScale: 1 }, /policy: expected 1\.\.64 of A-Z/],
    ['extra field', { op: 'lease.acquire', force: true }, /unexpected field "force"/],
    ['missing field', { op: 'teleop.twist', linear: [0, 0, 0], frame: 'base' }, /missing field "angular"/],
    ['bytes for array', { op: 'teleop.joints', velocities: new Uint8Array(6) }, /expected an array of numbers, found 6 bytes/],
  ];

  it.each(invalid)('refuse %s, saying expected vs found', (_name, value, message) => {
    const problem = clientMessageProblem(value);
    expect(problem).toBeDefined();
    expect(problem!.message).toMatch(message);
    expect(isClientMessage(value)).toBe(false);
  });

  it('name the problem code: unknown_op apart from invalid_message', () => {
    expect(clientMessageProblem({ op: 'fly' })?.code).toBe('unknown_op');
    expect(clientMessageProblem({ op: 'ping' })).toEqual({ code: 'invalid_message', message: 'ping: missing field "t"', op: 'ping' });
  });

  it('refuse objects that are not plain maps', () => {
    class Ping {
      op = 'ping';
      t = 1;
    }
    expect(isPing(new Ping())).toBe(false);
    expect(isPing(Object.assign(Object.create(null), { op: 'ping', t: 1 }))).toBe(true);
  });

  it('have a spec for every op, and every spec field typed', () => {
    for (const op of CLIENT_OPS) {
      for (const [field, spec] of Object.entries(CLIENT_MESSAGE_SPECS[op].fields)) expect(spec.kind, `${op}.${field}`).toBeTruthy();
    }
    expect(isTeleopTwist(VALID['teleop.twist'])).toBe(true);
  });
});

describe('server message guards', () => {
  it('dispatch on op and the fields a client relies on', () => {
    expect(SERVER_OPS).toHaveLength(11);
    expect(isServerMessage({ op: 'recording', state: 'idle', problems: [] })).toBe(true);
    expect(isServerMessage({ op: 'recording', state: 'idle' })).toBe(false);
    expect(isServerMessage({ op: 'pong', t: 1, serverTime: 2 })).toBe(true);
    expect(isServerMessage({ op: 'pong', t: 1 })).toBe(false);
    expect(isServerMessage({ op: 'nope' })).toBe(false);
    expect(isTelemetry({ op: 'telemetry', joints: [], wrench: [] })).toBe(true);
    expect(isWelcome({ op: 'telemetry', joints: [], wrench: [] })).toBe(false);
  });
});
