import { Topic, type Ros } from 'roslib';
import { SimCellServer, UR_TOPICS, cameraTopic } from '@cellkit/bridge/sim';
import { connectRos } from '../bridge/src/ros/connectRos.ts';
import { result, type BenchResult } from './BenchResult.ts';
import { runExpertOverRos } from '../bridge/sim/node/ExpertClient.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 60);

interface Counter {
  count: number;
  /** Source stamps (s) of every message received. */
  stamps: number[];
  stop: () => void;
}

function countTopic(ros: Ros, name: string, type: string): Counter {
  const topic = new Topic<{ header: { stamp: { sec: number; nanosec: number } } }>({ ros, name, messageType: type, compression: 'cbor' });
  const counter: Counter = { count: 0, stamps: [], stop: () => topic.unsubscribe() };
  topic.subscribe((m) => {
    counter.count++;
    counter.stamps.push(m.header.stamp.sec + m.header.stamp.nanosec * 1e-9);
  });
  return counter;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Rates at --speed 1 with both cameras, measured at a roslib client over a real websocket. */
async function realTimeRates(): Promise<BenchResult[]> {
  const sim = await SimCellServer.start({ port: 0, speed: 1, cameras: ['scene', 'wrist'] });
  const ros = await connectRos(sim.url);
  try {
    const streams = [
      { label: 'joint_states', name: UR_TOPICS.jointStates.name, type: UR_TOPICS.jointStates.type, hz: 500 },
      { label: 'wrench', name: UR_TOPICS.wrench.name, type: UR_TOPICS.wrench.type, hz: 500 },
      { label: 'camera scene', name: cameraTopic('scene'), type: 'sensor_msgs/msg/CompressedImage', hz: 30 },
      { label: 'camera wrist', name: cameraTopic('wrist'), type: 'sensor_msgs/msg/CompressedImage', hz: 30 },
    ];
    const counters = streams.map((s) => countTopic(ros, s.name, s.type));
    await sleep(2000); // let subscriptions settle and the JIT warm up before the window opens
    // The window is on the wall clock; a message counts when its source stamp
    // (sim clock, which tracks wall time at --speed 1) falls inside it and it
    // arrived. Late deliveries get 0.5 s of grace; a backlog cannot inflate it.
    const w0 = Date.now() / 1000;
    await sleep(seconds * 1000);
    const w1 = Date.now() / 1000;
    await sleep(500);
    counters.forEach((c) => c.stop());
    const wall = w1 - w0;
    const got = counters.map((c) => c.stamps.filter((t) => t >= w0 && t < w1).length);
    const stats = sim.runner.getStats();
    return [
      ...streams.map((s, i) =>
        result({
          name: `sim ${s.label} rate at --speed 1, both cameras on, ${seconds} s`,
          value: got[i] / wall,
          unit: 'Hz',
          against: 'nominal',
          reference: s.hz,
          target: '≥ 0.98',
          met: got[i] / wall / s.hz >= 0.98,
        }),
      ),
      result({
        name: 'sim real-time factor at --speed 1 (sim time ÷ wall time)',
        value: stats.realTimeFactor,
        unit: '×',
        against: 'requested',
        reference: 1,
      }),
    ];
  } finally {
    ros.close();
    await sim.close();
  }
}

/** Real-time factor at --speed max, with a client subscribed to joint states (and cameras when on). */
async function maxSpeed(cameras: string[]): Promise<BenchResult> {
  const sim = await SimCellServer.start({ port: 0, speed: 'max', cameras });
  const ros = await connectRos(sim.url);
  try {
    const counters = [
      countTopic(ros, UR_TOPICS.jointStates.name, UR_TOPICS.jointStates.type),
      ...cameras.map((c) => countTopic(ros, cameraTopic(c), 'sensor_msgs/msg/CompressedImage')),
    ];
    await sleep(1000);
    const simT0 = sim.cell.time;
    const t0 = performance.now();
    await sleep(Math.min(seconds, 20) * 1000);
    const rtf = (sim.cell.time - simT0) / ((performance.now() - t0) / 1000);
    counters.forEach((c) => c.stop());
    return result({
      name: `sim real-time factor at --speed max, ${cameras.length ? `cameras ${cameras.join('+')}` : 'no cameras'}`,
      value: rtf,
      unit: '×',
      against: 'real time',
      reference: 1,
    });
  } finally {
    ros.close();
    await sim.close();
  }
}

const expertSeeds = Number(process.env.BENCH_EXPERT_SEEDS ?? 50);

/** Scripted experts driving the cell over rosbridge (public topics only) at --speed max, seeds 0..N-1. */
async function expertSuccess(): Promise<BenchResult[]> {
  const sim = await SimCellServer.start({ port: 0, speed: 'max', cameras: [], log: () => {} });
  const ros = await connectRos(sim.url);
  const out: BenchResult[] = [];
  try {
    for (const task of ['reach', 'push', 'pick_place'] as const) {
      let ok = 0;
      const t0 = performance.now();
      for (let seed = 0; seed < expertSeeds; seed++) if ((await runExpertOverRos({ ros, task, seed, timeout: 40 })).success) ok++;
      const rate = ok / expertSeeds;
      out.push(
        result({
          name: `sim ${task} expert success over rosbridge at --speed max, ${expertSeeds} seeds (${((performance.now() - t0) / 1000).toFixed(0)} s wall)`,
          value: rate,
          unit: '',
          against: 'all seeds',
          reference: 1,
          target: '≥ 0.95',
          met: rate >= 0.95,
        }),
      );
    }
  } finally {
    ros.close();
    await sim.close();
  }
  return out;
}

export async function simBench(): Promise<BenchResult[]> {
  return [...(await realTimeRates()), await maxSpeed([]), await maxSpeed(['scene', 'wrist']), ...(await expertSuccess())];
}
