// Fan-out cost of the rosbridge sim server (a script, not a test):
//   npx tsx bridge/sim/rosbridge/benchFanout.ts
// Subscribers are raw websocket clients in a worker thread (they count frames,
// they do not decode), so the main thread's numbers are the server's own cost.
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { RosbridgeServer } from './RosbridgeServer.ts';

interface Job { url: string; topic: string; type: string; clients: number; compression: 'none' | 'cbor' }

// Worker (plain JS, eval'd: tsx does not reach worker threads on Node 20):
// open the clients, subscribe, report frame counts on request.
const WORKER = `
const { parentPort, workerData: job } = require('node:worker_threads');
const { WebSocket } = require('ws');
let frames = 0, ready = 0;
const sockets = [];
for (let i = 0; i < job.clients; i++) {
  const ws = new WebSocket(job.url);
  sockets.push(ws);
  ws.on('open', () => {
    ws.send(JSON.stringify({ op: 'subscribe', id: 's' + i, topic: job.topic, type: job.type, compression: job.compression }));
    ws.send(JSON.stringify({ op: 'call_service', id: 'ready', service: '/rosapi/nodes' }));
  });
  ws.on('message', (d, isBinary) => {
    if (!isBinary && d.toString().includes('"service_response"')) {
      if (++ready === job.clients) parentPort.postMessage({ ready: true });
      return;
    }
    frames++;
  });
}
parentPort.on('message', (m) => {
  if (m === 'count') parentPort.postMessage({ frames });
  if (m === 'close') { for (const ws of sockets) ws.close(); setTimeout(() => process.exit(0), 100); }
});
`;

{
  // A generous socket bound: the saturation phase must not drop, or the counts never match.
  const server = await RosbridgeServer.start({ port: 0, maxBufferedBytes: 256 * 1024 * 1024, log: () => {} });
  const joints = server.advertise<object>('/joint_states', 'sensor_msgs/msg/JointState');
  const images = server.advertise<object>('/camera/scene/image_raw/compressed', 'sensor_msgs/msg/CompressedImage');
  const names = ['shoulder_pan_joint', 'shoulder_lift_joint', 'elbow_joint', 'wrist_1_joint', 'wrist_2_joint', 'wrist_3_joint'];
  const jointMsg = (i: number) => ({
    header: { stamp: { sec: 1_700_000_000 + Math.floor(i / 500), nanosec: (i % 500) * 2_000_000 }, frame_id: 'base_link' },
    name: names,
    position: names.map((_, j) => Math.sin(i * 0.001 + j)),
    velocity: names.map((_, j) => Math.cos(i * 0.001 + j)),
    effort: names.map(() => 0),
  });
  const jpeg = new Uint8Array(50_000).map((_, i) => (i * 31) % 256);
  const imageMsg = (i: number) => ({ header: { stamp: { sec: i, nanosec: 0 }, frame_id: 'cam' }, format: 'jpeg', data: jpeg });

  const ask = (w: Worker) => new Promise<number>((r) => { w.once('message', (m) => r(m.frames)); w.postMessage('count'); });
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  async function run(label: string, topic: string, type: string, pub: { publish(m: object): void }, make: (i: number) => object,
    clients: number, compression: 'none' | 'cbor', maxCount: number, batch: number) {
    const w = new Worker(WORKER, { eval: true, workerData: { url: server.url, topic, type, clients, compression } satisfies Job });
    await new Promise((r) => w.once('message', r));
    // 1) Saturation: publish in batches as fast as the clients keep up.
    let sent = 0;
    const t0 = performance.now();
    let pubMs = 0;
    while (sent < maxCount) {
      const a = performance.now();
      for (let k = 0; k < batch; k++) pub.publish(make(sent++));
      pubMs += performance.now() - a;
      await new Promise((r) => setImmediate(r));
      // Stay at most 20 batches ahead of the slowest reader.
      while ((await ask(w)) < (sent - 20 * batch) * clients) await sleep(1);
    }
    while ((await ask(w)) < sent * clients) await sleep(1);
    const wall = (performance.now() - t0) / 1000;
    // 2) Real rate: 500 Hz for 2 s, main-thread event-loop utilisation.
    const before = await ask(w);
    const elu0 = performance.eventLoopUtilization();
    const start = performance.now();
    let n = 0;
    while (performance.now() - start < 2000) {
      const due = Math.floor(((performance.now() - start) / 1000) * 500);
      while (n < due) pub.publish(make(n++));
      await sleep(1);
    }
    await sleep(100);
    const elu = performance.eventLoopUtilization(elu0);
    const got = (await ask(w)) - before;
    w.postMessage('close');
    await new Promise((r) => w.once('exit', r));
    console.log(
      `${label.padEnd(16)} ${String(clients).padStart(2)} × ${compression.padEnd(4)}  ` +
        `max ${Math.round(sent / wall).toString().padStart(6)} msg/s (${Math.round((sent * clients) / wall).toString().padStart(7)} frames/s), ` +
        `publish() ${((pubMs * 1000) / sent).toFixed(1).padStart(5)} µs/msg, ` +
        `at 500 Hz: server thread ${(elu.utilization * 100).toFixed(1)}% busy, ${got}/${n * clients} frames`,
    );
  }

  console.log(`node ${process.version}, ${(await import('node:os')).cpus().length} cpus`);
  for (const compression of ['none', 'cbor'] as const) {
    for (const clients of [1, 10]) {
      await run('JointState', '/joint_states', 'sensor_msgs/msg/JointState', joints, jointMsg, clients, compression, 20_000, 50);
    }
  }
  for (const compression of ['none', 'cbor'] as const) {
    for (const clients of [1, 10]) {
      await run('Image 50 kB', '/camera/scene/image_raw/compressed', 'sensor_msgs/msg/CompressedImage', images, imageMsg, clients, compression, 2_000, 5);
    }
  }
  // Nobody subscribed: the cost of publishing into the void.
  const idle = server.advertise<object>('/idle', 'sensor_msgs/msg/JointState');
  const a = performance.now();
  for (let i = 0; i < 100_000; i++) idle.publish(jointMsg(i));
  console.log(`no subscribers: publish() ${(((performance.now() - a) * 1000) / 100_000).toFixed(2)} µs/msg (incl. building the message)`);
  await server.close();
}
