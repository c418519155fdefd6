// Bad clients against the server: every bad frame is logged for the client
// that sent it, nothing crashes, and a healthy roslib client on the same
// server keeps receiving its subscription throughout.
import { type Ros, Topic } from 'roslib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { connectRos } from '../../src/ros/connectRos.ts';
import { type PublishedTopic, RosbridgeServer } from './RosbridgeServer.ts';

const CMD = '/forward_velocity_controller/commands';
const F64_ARRAY = 'std_msgs/msg/Float64MultiArray';

interface RawClient {
  ws: WebSocket;
  id: number;
  frames: Record<string, unknown>[];
  closed: Promise<number>;
  send(frame: unknown): void;
  /** Resolves after the server answered a service call: everything sent before was processed. */
  roundTrip(): Promise<void>;
}

const logs: string[] = [];
let server: RosbridgeServer;
let heartbeat: PublishedTopic<{ data: number }>;
let healthy: Ros;
const beats: number[] = [];
const cellCommands: unknown[] = [];
let beat = 0;
let beatWaiter: ((n: number) => void) | undefined;

async function rawClient(url: string): Promise<RawClient> {
  const ws = new WebSocket(url);
  const frames: Record<string, unknown>[] = [];
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  let calls = 0;
  const waiting = new Map<string, () => void>();
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    const m = JSON.parse(data.toString()) as Record<string, unknown>;
    frames.push(m);
    if (m.op === 'service_response') waiting.get(m.id as string)?.();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  // The server logs "[Client N]" on connect; the newest is ours.
  const connects = logs.filter((l) => l.includes('Client connected'));
  const id = Number(/\[Client (\d+)\]/.exec(connects[connects.length - 1])![1]);
  return {
    ws, id, frames, closed,
    send: (frame) => ws.send(typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame)),
    roundTrip: () =>
      new Promise<void>((resolve) => {
        const cid = `rt${++calls}`;
        waiting.set(cid, resolve);
        ws.send(JSON.stringify({ op: 'call_service', id: cid, service: '/rosapi/nodes' }));
      }),
  };
}

/** Publish a heartbeat from the cell and wait until the healthy client has it. */
async function healthyStillReceives(): Promise<void> {
  const n = ++beat;
  await new Promise<void>((resolve) => {
    beatWaiter = (d) => d === n && resolve();
    heartbeat.publish({ data: n });
  });
  expect(beats).toContain(n);
}

function errorsOf(id: number): string[] {
  return logs.filter((l) => l.startsWith('error') && l.includes(`[Client ${id}]`));
}

beforeAll(async () => {
  server = await RosbridgeServer.start({
    port: 0,
    maxMessageBytes: 64 * 1024,
    maxIncomingPerSecond: 1000,
    maxBufferedBytes: 256 * 1024,
    log: (level, msg) => logs.push(`${level} ${msg}`),
  });
  heartbeat = server.advertise('/heartbeat', 'std_msgs/msg/Int32');
  server.advertise('/camera/wrist/image_raw/compressed', 'sensor_msgs/msg/CompressedImage');
  server.advertise('/joint_states', 'sensor_msgs/msg/JointState');
  server.subscribe(CMD, F64_ARRAY, (msg) => cellCommands.push(msg));
  server.subscribe<{ data: number[] }>('/cell/throwing', F64_ARRAY, (msg) => {
    if (msg.data.length > 3) throw new Error(`boom: expected at most 3 values, found ${msg.data.length}`);
  });
  healthy = await connectRos(server.url);
  const t = new Topic<{ data: number }>({ ros: healthy, name: '/heartbeat', messageType: 'std_msgs/msg/Int32' });
  t.subscribe((m) => {
    beats.push(m.data);
    beatWaiter?.(m.data);
  });
  // Once a service call comes back, the subscribe sent before it is in place.
  await new Promise((resolve, reject) => healthy.getNodes(resolve, reject));
  await healthyStillReceives();
});

afterAll(async () => {
  healthy.close();
  await server.close();
});

describe('ClientSession robustness', () => {
  const cases: { name: string; frames: unknown[]; expected: string[] }[] = [
    { name: 'non-JSON text', frames: ['hello {'], expected: ['Unable to deserialize text frame'] },
    { name: 'a binary frame', frames: [Buffer.from([0xff, 0x00, 0x13])], expected: ['Unable to deserialize binary frame'] },
    { name: 'JSON that is not an object', frames: ['[1,2]', '42', 'null'], expected: ['Received a array', 'Received a number', 'Received a object'] },
    { name: 'a message without op', frames: [{}, { op: 5 }], expected: ['without an op', 'without an op'] },
    { name: 'an unknown op', frames: [{ op: 'frobnicate', id: 'x1' }], expected: ['[id: x1] Unknown operation: frobnicate'] },
    {
      name: 'missing and wrong-typed fields',
      frames: [{ op: 'subscribe' }, { op: 'subscribe', topic: 5 }, { op: 'publish', topic: CMD, msg: 'go' }, { op: 'advertise', topic: '/x' }],
      expected: [
        'subscribe: Expected a topic field but none was found.',
        'subscribe: Expected field topic to be one of string',
        'publish: Expected field msg to be one of object',
        'advertise: Expected a type field but none was found.',
      ],
    },
    {
      name: 'a publish whose message does not fit the topic type',
      frames: [
        { op: 'publish', topic: CMD, msg: { data: 'fast' } },
        { op: 'publish', topic: CMD, msg: { data: [1, 'x'] } },
        { op: 'publish', topic: CMD, msg: { velocity: [1] } },
        { op: 'publish', topic: CMD, msg: { layout: { dim: 3 } } },
      ],
      expected: [
        'std_msgs/msg/Float64MultiArray message requires a float64[] for field data, but got a string',
        'requires a float64 for field data[1], but got a string',
        'Message type std_msgs/msg/Float64MultiArray does not have a field velocity',
        'requires a std_msgs/msg/MultiArrayDimension[] for field layout.dim, but got a number',
      ],
    },
    {
      name: 'a cell handler that throws',
      frames: [{ op: 'publish', topic: '/cell/throwing', msg: { data: [1, 2, 3, 4] } }],
      expected: ['handler for /cell/throwing (std_msgs/msg/Float64MultiArray) threw: boom: expected at most 3 values, found 4'],
    },
    {
      name: 'graph errors (type conflict, unknown topic, bad name, cbor-raw, stray service_response)',
      frames: [
        { op: 'subscribe', topic: '/joint_states', type: 'std_msgs/msg/String' },
        { op: 'subscribe', topic: '/never/advertised' },
        { op: 'subscribe', topic: 'bad name', type: 'std_msgs/msg/String' },
        { op: 'subscribe', topic: '/joint_states', compression: 'cbor-raw' },
        { op: 'service_response', id: 'nobody-asked', values: {}, result: true },
      ],
      expected: [
        'with type std_msgs/msg/String but it is already established with type sensor_msgs/msg/JointState',
        'Cannot infer topic type for topic /never/advertised as it is not yet advertised',
        "Invalid topic name 'bad name'",
        "compression 'cbor-raw'",
        'no pending call_service with id nobody-asked',
      ],
    },
  ];

  for (const c of cases) {
    it(`logs ${c.name} for that client and keeps serving everyone`, async () => {
      const bad = await rawClient(server.url);
      const commandsBefore = cellCommands.length;
      for (const f of c.frames) bad.send(f);
      await bad.roundTrip(); // the bad client itself is still served
      const errors = errorsOf(bad.id);
      expect(errors).toHaveLength(c.expected.length);
      c.expected.forEach((text, i) => expect(errors[i]).toContain(text));
      expect(cellCommands.length).toBe(commandsBefore); // nothing malformed reached the cell
      // rosbridge for ROS 2 reports errors only in its log: no status frames.
      expect(bad.frames.filter((f) => f.op !== 'service_response')).toEqual([]);
      await healthyStillReceives();
      bad.ws.close();
    });
  }

  it('closes a client that sends a frame over maxMessageBytes with 1009, and only that client', async () => {
    const bad = await rawClient(server.url);
    bad.send(JSON.stringify({ op: 'publish', topic: CMD, msg: { data: new Array(20_000).fill(0.5) } }));
    expect(await bad.closed).toBe(1009);
    expect(errorsOf(bad.id).join('\n')).toContain('Max payload size exceeded');
    expect(cellCommands.some((m) => (m as { data: number[] }).data.length === 20_000)).toBe(false);
    await healthyStillReceives();
  });

  it('drops a flood of 20 000 messages beyond the incoming rate, with a logged error', async () => {
    const bad = await rawClient(server.url);
    const before = cellCommands.length;
    const frame = JSON.stringify({ op: 'publish', topic: CMD, msg: { data: [0, 0, 0, 0, 0, 0.01] } });
    for (let i = 0; i < 20_000; i++) bad.send(frame);
    // Wait for the limiter's report (a broken limiter fails this test by timeout).
    await new Promise<void>((resolve) => {
      const poll = () => (errorsOf(bad.id).length > 0 ? resolve() : setTimeout(poll, 10));
      poll();
    });
    await healthyStillReceives();
    const errors = errorsOf(bad.id);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toContain('flood: more than 1000 frames/s received');
    const delivered = cellCommands.length - before;
    expect(delivered).toBeGreaterThan(0);
    expect(delivered).toBeLessThan(20_000);
    bad.ws.close();
  });

  it('drops messages for a client that stops reading instead of buffering without bound', async () => {
    const slow = await rawClient(server.url);
    const images = server.advertise<{ format: string; data: Uint8Array }>('/camera/slow/image_raw/compressed', 'sensor_msgs/msg/CompressedImage');
    slow.send({ op: 'subscribe', topic: '/camera/slow/image_raw/compressed', type: 'sensor_msgs/msg/CompressedImage' });
    await slow.roundTrip();
    // Stop reading: the kernel buffers fill, then the server's socket buffer grows.
    (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const data = new Uint8Array(100_000).fill(7);
    const published = 300; // ~40 MB of JSON frames, far beyond the kernel's loopback buffers
    for (let i = 0; i < published; i++) {
      images.publish({ format: 'jpeg', data });
      await new Promise((r) => setImmediate(r));
    }
    await healthyStillReceives();
    expect(errorsOf(slow.id).join('\n')).toContain('slow consumer');
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    await slow.roundTrip();
    const received = slow.frames.filter((f) => f.op === 'publish').length;
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(published);
    slow.ws.close();
  });

  it('sends status frames for errors only when asked to (statusFrames: true)', async () => {
    const verbose = await RosbridgeServer.start({ port: 0, statusFrames: true, log: () => {} });
    try {
      const ws = new WebSocket(verbose.url);
      const frames: Record<string, unknown>[] = [];
      ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
      await new Promise((r) => ws.once('open', r));
      ws.send(JSON.stringify({ op: 'frobnicate', id: 'q7' }));
      await new Promise<void>((resolve) => {
        const poll = () => (frames.length > 0 ? resolve() : setTimeout(poll, 5));
        poll();
      });
      expect(frames[0]).toMatchObject({ op: 'status', level: 'error', id: 'q7' });
      expect(frames[0].msg).toContain('Unknown operation: frobnicate');
      ws.close();
    } finally {
      await verbose.close();
    }
  });
});
