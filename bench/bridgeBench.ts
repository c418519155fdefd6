/**
 * `npm run bench bridge`: what the bridge costs on top of talking to the cell
 * directly — teleop latency, telemetry delivered ÷ produced with 1 and 10
 * clients, and the bridge's CPU. Every figure is compared with a reference
 * measured in the same run.
 *
 * Two set-ups:
 * - latency: the real stack in this process (`startStack`: sim → roslib →
 *   controller + safety → ws server), a client holding the lease; reference:
 *   a second sim with a roslib client publishing straight to it (the stack's
 *   controller publishes zeros at its fixed rate, so it cannot share a sim);
 * - fan-out and CPU: the sim and the clients in this process, the bridge
 *   (`startStack` with `sim: false`) in a child process that reports its own
 *   `process.cpuUsage`; reference: a child that only subscribes to the same
 *   two streams over roslib, as the bridge's cell connection does.
 *
 * This file is also the child's entry point: forked with
 * CELLKIT_BRIDGE_BENCH_CHILD set, it runs `childMain` and nothing else.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Packr } from 'msgpackr';
import { Topic, type Ros } from 'roslib';
import WebSocket from 'ws';
import { SimCellServer, UR_TOPICS } from '@cellkit/bridge/sim';
import { AuditLog } from '../bridge/src/access/index.ts';
import { startStack, type RunningStack } from '../bridge/src/app/startStack.ts';
import { MAX_RATE_HZ, MSGPACK_OPTIONS, PROTOCOL_VERSION } from '../bridge/src/protocol/protocolConstants.ts';
import type { ClientMessage, ServerMessage, StreamName, TelemetryMessage } from '../bridge/src/protocol/index.ts';
import { connectRos } from '../bridge/src/ros/connectRos.ts';
import { result, type BenchResult } from './BenchResult.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 60);
const CHILD_ENV = 'CELLKIT_BRIDGE_BENCH_CHILD';

/** The jogged joint: wrist 3 barely moves the TCP, so no TCP or workspace limit can shape the step. */
const JOINT = 5;
const JOINT_NAME = 'wrist_3_joint';
/** rad/s: the step commanded each trial, alternating sign so the arm stays where it is. */
const STEP = 0.2;
/** rad/s: a sample moves "in the new direction" past this (10% of the step; the arm at rest reads < 1e-3). */
const MOVING = 0.02;
/** rad/s: below this the arm counts as still between trials. */
const STILL = 0.005;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

/**
 * A lean protocol client for high rates: counts samples instead of keeping
 * messages. Samples count toward the window when their cell stamp lies in
 * (lo, hi]; stamps must strictly increase per stream.
 */
class LeanClient {
  private static readonly packr = new Packr({ ...MSGPACK_OPTIONS });
  clientId = '';
  window = { lo: Infinity, hi: Infinity };
  readonly got = { joints: 0, wrench: 0, dropped: 0, outOfOrder: 0 };
  readonly errors: string[] = [];
  onTelemetry?: (m: TelemetryMessage, at: number) => void;
  private last = { joints: -Infinity, wrench: -Infinity };
  private waiters: ((m: ServerMessage) => boolean)[] = [];

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const at = performance.now();
      const m = LeanClient.packr.unpack(data) as ServerMessage;
      if (m.op === 'telemetry') this.count(m, at);
      else if (m.op === 'error' && this.errors.length < 5) this.errors.push(`${m.code}: ${m.message}`);
      this.waiters = this.waiters.filter((w) => !w(m));
    });
  }

  static async open(url: string, name: string): Promise<LeanClient> {
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const c = new LeanClient(ws);
    const welcome = c.next((m) => m.op === 'welcome' || m.op === 'error');
    c.send({ op: 'hello', version: PROTOCOL_VERSION, clientName: name });
    const w = await welcome;
    if (w.op !== 'welcome') throw new Error(`hello refused: ${JSON.stringify(w)}`);
    c.clientId = w.clientId;
    return c;
  }

  send(m: ClientMessage): void {
    this.ws.send(LeanClient.packr.pack(m));
  }

  subscribe(streams: StreamName[], maxRateHz: number): void {
    this.send({ op: 'subscribe', streams, maxRateHz });
  }

  async acquireLease(): Promise<void> {
    const got = this.next((m) => (m.op === 'lease' && m.holder === this.clientId) || (m.op === 'error' && m.requestOp === 'lease.acquire'));
    this.send({ op: 'lease.acquire' });
    const m = await got;
    if (m.op !== 'lease') throw new Error(`lease refused: ${JSON.stringify(m)}`);
  }

  next(pred: (m: ServerMessage) => boolean, timeoutMs = 5000): Promise<ServerMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`expected a matching message within ${timeoutMs} ms, found none`)), timeoutMs);
      this.waiters.push((m) => pred(m) && (clearTimeout(timer), resolve(m), true));
    });
  }

  close(): void {
    this.ws.close();
  }

  private count(m: TelemetryMessage, at: number): void {
    const { lo, hi } = this.window;
    for (const s of m.joints) {
      if (s.stamp <= this.last.joints) this.got.outOfOrder++;
      this.last.joints = s.stamp;
      if (s.stamp > lo && s.stamp <= hi) this.got.joints++;
    }
    for (const s of m.wrench) {
      if (s.stamp <= this.last.wrench) this.got.outOfOrder++;
      this.last.wrench = s.stamp;
      if (s.stamp > lo && s.stamp <= hi) this.got.wrench++;
    }
    if (m.dropped) this.got.dropped += m.dropped.joints + m.dropped.wrench;
    this.onTelemetry?.(m, at);
  }
}

// ─── 1. teleop latency ──────────────────────────────────────────────────────

/** Watches one joint's velocity in a feed: resolves a trial's detection and tracks when it last moved. */
class MotionWatch {
  lastMoving = performance.now();
  private pending?: { dir: number; resolve: (at: number) => void };

  sample(velocity: number, at: number): void {
    if (Math.abs(velocity) >= STILL) this.lastMoving = at;
    if (this.pending && velocity * this.pending.dir > MOVING) {
      this.pending.resolve(at);
      this.pending = undefined;
    }
  }

  expect(dir: number): Promise<number> {
    return new Promise((resolve) => (this.pending = { dir, resolve }));
  }

  async still(): Promise<void> {
    const t0 = performance.now();
    while (performance.now() - this.lastMoving < 40) {
      if (performance.now() - t0 > 5000) throw new Error(`expected the arm to come to rest within 5 s, found it still moving`);
      await sleep(5);
    }
  }
}

interface Trials {
  /** ms per trial, per detection point. */
  at: Record<string, number[]>;
  failed: number;
}

/**
 * From rest: step one joint to ±STEP, time until each watch sees it move that
 * way, then zeros. A random 0–20 ms pause before each step spreads it over
 * the phases of the bridge's 125 Hz tick and its flush timer.
 */
async function runTrials(n: number, watches: Record<string, MotionWatch>, command: (v: number[]) => void, warmup = 5): Promise<Trials> {
  const out: Trials = { at: Object.fromEntries(Object.keys(watches).map((k) => [k, []])), failed: 0 };
  const zeros = [0, 0, 0, 0, 0, 0];
  for (let i = 0; i < n + warmup; i++) {
    const dir = i % 2 === 0 ? 1 : -1;
    for (const w of Object.values(watches)) await w.still();
    await sleep(Math.random() * 20);
    const seen = Object.entries(watches).map(([k, w]) => w.expect(dir).then((at) => [k, at] as const));
    const v = zeros.slice();
    v[JOINT] = dir * STEP;
    const t0 = performance.now();
    command(v);
    const timeout = sleep(500).then(() => 'timeout' as const);
    const got = await Promise.race([Promise.all(seen), timeout]);
    command(zeros);
    if (got === 'timeout') {
      out.failed++;
      continue;
    }
    if (i >= warmup) for (const [k, at] of got) out.at[k].push(at - t0);
  }
  return out;
}

async function bridgeTrials(n: number, rateHz: number): Promise<Trials> {
  const stack = await startStack({ sim: { port: 0, speed: 1, cameras: [] }, port: 0, auditLog: AuditLog.inMemory().audit });
  let client: LeanClient | undefined;
  try {
    const sent = new MotionWatch();
    const atBridge = new MotionWatch();
    const atClient = new MotionWatch();
    // Listeners run in order, after the bridge's own: the command has just been handed to roslib, the sample just fanned out.
    const offs = [
      stack.controller.on('output', (o) => sent.sample(o.velocities[JOINT], performance.now())),
      stack.connection.on('joints', (s) => atBridge.sample(s.velocity[JOINT], performance.now())),
    ];
    client = await LeanClient.open(stack.wsUrl, 'bench-teleop');
    client.onTelemetry = (m, at) => m.joints.forEach((s) => atClient.sample(s.velocity[JOINT], at));
    client.subscribe(['joints'], rateHz);
    await client.acquireLease();
    await sleep(1000);
    const c = client;
    const trials = await runTrials(n, { sent, bridge: atBridge, client: atClient }, (velocities) => c.send({ op: 'teleop.joints', velocities }));
    for (const off of offs) off();
    if (c.errors.length) throw new Error(`the bridge refused teleop: ${c.errors.join('; ')}`);
    return trials;
  } finally {
    client?.close();
    await stack.close();
  }
}

async function directTrials(n: number): Promise<Trials> {
  const sim = await SimCellServer.start({ port: 0, speed: 1, cameras: [] });
  const ros = await connectRos(sim.url);
  try {
    const watch = new MotionWatch();
    let index = -1;
    const states = new Topic<{ name: string[]; velocity: ArrayLike<number> }>({ ros, name: UR_TOPICS.jointStates.name, messageType: UR_TOPICS.jointStates.type, compression: 'cbor' });
    states.subscribe((m) => {
      const at = performance.now();
      if (index < 0) index = m.name.indexOf(JOINT_NAME);
      watch.sample(m.velocity[index], at);
    });
    const cmd = new Topic<{ layout: { dim: never[]; data_offset: number }; data: number[] }>({ ros, name: UR_TOPICS.velocityCommand.name, messageType: UR_TOPICS.velocityCommand.type });
    await sleep(1000);
    const trials = await runTrials(n, { direct: watch }, (data) => cmd.publish({ layout: { dim: [], data_offset: 0 }, data }));
    cmd.publish({ layout: { dim: [], data_offset: 0 }, data: [0, 0, 0, 0, 0, 0] });
    states.unsubscribe();
    await sleep(100);
    return trials;
  } finally {
    ros.close();
    await sim.close();
  }
}

async function teleopLatency(): Promise<BenchResult[]> {
  const n = Math.max(100, Math.round(2 * seconds));
  const direct = await directTrials(n);
  const fast = await bridgeTrials(n, MAX_RATE_HZ);
  const ui = await bridgeTrials(n, 30);
  const d = direct.at.direct;
  const fails = (t: Trials) => (t.failed ? `, ${t.failed} timed out` : '');
  const refName = `roslib straight to the sim (publish → /joint_states, same ramp; ${d.length} trials${fails(direct)})`;
  const pair = (name: string, xs: number[], against = refName, ref = d, fixed?: number) =>
    [0.5, 0.99].map((q) =>
      result({ name: `${name} p${q * 100}`, value: quantile(xs, q), unit: 'ms', against: fixed ? against : `${against} p${q * 100}`, reference: fixed ?? quantile(ref, q) }),
    );
  const added = quantile(fast.at.client, 0.99) - quantile(d, 0.99);
  const period = 1000 / 125;
  return [
    ...pair(
      `teleop latency, send → first moving sample in the sender's telemetry at ${MAX_RATE_HZ} Hz ` +
        `(step ±${STEP} rad/s on ${JOINT_NAME} from rest, moving = > ${MOVING} rad/s that way; includes ws in, the wait for the control tick (a fresh command goes out on the next joint sample), ` +
        `roslib, the sim's accel ramp, batching ≤ ${(1000 / MAX_RATE_HZ).toFixed(1)} ms, ws out; ${fast.at.client.length} trials${fails(fast)})`,
      fast.at.client,
    ),
    ...pair(`teleop latency, same, telemetry at 30 Hz (the UI's default; batching ≤ 33 ms; ${ui.at.client.length} trials${fails(ui)})`, ui.at.client),
    ...pair(`teleop latency, same, the moving sample reaching the bridge's cell connection (before batching and ws out)`, fast.at.bridge),
    ...pair(`teleop, send → command handed to roslib by the control tick (ws in, safety, wait for the tick)`, fast.at.sent, 'one control period at 125 Hz', d, period),
    result({
      name: `teleop latency the bridge adds at p99 (bridge at ${MAX_RATE_HZ} Hz p99 − direct p99)`,
      value: added,
      unit: 'ms',
      against: 'budget',
      reference: 2,
      target: '< 2 ms',
      met: added < 2,
    }),
  ];
}

// ─── 2 + 3. fan-out and CPU, bridge in a child process ─────────────────────

type ChildMode = { mode: 'bridge' | 'roslib'; rosbridge: string };
type ChildReply = { op: 'ready'; wsUrl?: string } | { op: 'mark'; cpuMicros: number; wallMs: number } | { op: 'failed'; message: string };

class Child {
  private replies: ((m: ChildReply) => void)[] = [];
  private constructor(private readonly proc: ChildProcess) {
    proc.on('message', (m: ChildReply) => this.replies.shift()?.(m));
  }

  static async start(mode: ChildMode): Promise<{ child: Child; wsUrl?: string }> {
    const proc = fork(fileURLToPath(import.meta.url), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, [CHILD_ENV]: JSON.stringify(mode) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const child = new Child(proc);
    const ready = await child.reply(30_000);
    if (ready.op !== 'ready') throw new Error(`bench child (${mode.mode}) failed to start: ${JSON.stringify(ready)}`);
    return { child, wsUrl: ready.wsUrl };
  }

  /** The child's CPU time (user + system, µs) and its clock (ms), now. */
  async mark(): Promise<{ cpuMicros: number; wallMs: number }> {
    this.proc.send({ op: 'mark' });
    const m = await this.reply(5000);
    if (m.op !== 'mark') throw new Error(`expected a mark from the bench child, found ${JSON.stringify(m)}`);
    return m;
  }

  async stop(): Promise<void> {
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.send({ op: 'exit' });
    await Promise.race([exited, sleep(5000).then(() => this.proc.kill())]);
  }

  private reply(timeoutMs: number): Promise<ChildReply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the bench child did not answer within ${timeoutMs} ms`)), timeoutMs);
      this.replies.push((m) => (clearTimeout(timer), resolve(m)));
    });
  }
}

async function childMain(mode: ChildMode): Promise<void> {
  const send = (m: ChildReply) => process.send!(m);
  process.on('disconnect', () => process.exit(0));
  let close: () => Promise<void>;
  try {
    if (mode.mode === 'bridge') {
      const stack: RunningStack = await startStack({ sim: false, rosbridge: mode.rosbridge, profile: 'ur', port: 0, auditLog: AuditLog.inMemory().audit });
      close = () => stack.close();
      send({ op: 'ready', wsUrl: stack.wsUrl });
    } else {
      const ros: Ros = await connectRos(mode.rosbridge);
      let n = 0;
      for (const t of [UR_TOPICS.jointStates, UR_TOPICS.wrench]) {
        new Topic({ ros, name: t.name, messageType: t.type, compression: 'cbor' }).subscribe(() => n++);
      }
      close = async () => ros.close();
      send({ op: 'ready' });
    }
  } catch (err) {
    send({ op: 'failed', message: (err as Error).stack ?? String(err) });
    process.exit(1);
  }
  process.on('message', async (m: { op: string }) => {
    if (m.op === 'mark') {
      const u = process.cpuUsage();
      send({ op: 'mark', cpuMicros: u.user + u.system, wallMs: performance.now() });
    } else if (m.op === 'exit') {
      await close().catch(() => {});
      process.exit(0);
    }
  });
}

interface Window {
  /** Samples the sim published with stamps in the window, per stream (one per 2 ms step). */
  produced: number;
  /** Child CPU in cores (CPU seconds ÷ wall seconds). */
  cores: number;
}

/** Opens a window on the sim's clock, lets `windowS` pass, closes it and returns what the sim produced and the child spent. */
async function measureWindow(sim: SimCellServer, child: Child, clients: LeanClient[], windowS: number): Promise<Window> {
  const lo = sim.node.now();
  const steps0 = sim.node.counts.jointStates;
  const c0 = await child.mark();
  for (const c of clients) c.window = { lo, hi: Infinity };
  await sleep(windowS * 1000);
  const c1 = await child.mark();
  const hi = sim.node.now();
  const produced = sim.node.counts.jointStates - steps0;
  for (const c of clients) c.window = { lo, hi };
  // Samples stamped inside the window may still be in a batch: one flush period and then some.
  await sleep(500);
  return { produced, cores: (c1.cpuMicros - c0.cpuMicros) / 1000 / (c1.wallMs - c0.wallMs) };
}

async function fanOut(): Promise<BenchResult[]> {
  const windowS = Math.min(15, Math.max(5, seconds / 4));
  const sim = await SimCellServer.start({ port: 0, speed: 1, cameras: [] });
  const out: BenchResult[] = [];
  try {
    // Reference: the same two streams received by a bare roslib client in a process of its own.
    const ref = await Child.start({ mode: 'roslib', rosbridge: sim.url });
    await sleep(3000);
    const bare = await measureWindow(sim, ref.child, [], windowS);
    await ref.child.stop();

    const { child, wsUrl } = await Child.start({ mode: 'bridge', rosbridge: sim.url });
    const clients: LeanClient[] = [];
    const openUpTo = async (n: number) => {
      while (clients.length < n) {
        const c = await LeanClient.open(wsUrl!, `bench-viewer-${clients.length + 1}`);
        c.subscribe(['joints', 'wrench'], MAX_RATE_HZ);
        clients.push(c);
      }
    };
    try {
      // Warm up the bridge's hot paths (JIT, fan-out to 10) before either window, so the 1-client one is not charged for it.
      await openUpTo(10);
      await sleep(3000);
      for (const c of clients.splice(1)) c.close();
      for (const n of [1, 10]) {
        await openUpTo(n);
        await sleep(2000);
        for (const c of clients) Object.assign(c.got, { joints: 0, wrench: 0, dropped: 0, outOfOrder: 0 });
        const w = await measureWindow(sim, child, clients, windowS);
        const worst = (k: 'joints' | 'wrench') => Math.min(...clients.map((c) => c.got[k]));
        const issues = clients.reduce((s, c) => s + c.got.dropped + c.got.outOfOrder, 0);
        const errors = clients.flatMap((c) => c.errors);
        const note = `${issues ? `, ${issues} dropped or out of order` : ''}${errors.length ? `, errors: ${errors[0]}` : ''}`;
        for (const k of ['joints', 'wrench'] as const) {
          const got = worst(k);
          out.push(result({
            name: `${k} delivered ÷ produced, ${n} client${n > 1 ? 's (worst client)' : ''} at ${MAX_RATE_HZ} Hz, ${windowS} s window by sim stamps, bridge in its own process${note}`,
            value: got,
            unit: 'samples',
            against: 'sim published (500 Hz)',
            reference: w.produced,
            target: '≥ 0.99',
            met: got / w.produced >= 0.99,
          }));
        }
        out.push(result({
          name: `bridge process CPU, ${n} client${n > 1 ? 's' : ''} subscribed to joints + wrench at ${MAX_RATE_HZ} Hz (cores = CPU s ÷ wall s)`,
          value: w.cores,
          unit: 'cores',
          against: 'a process only subscribed to the same streams over roslib',
          reference: bare.cores,
        }));
        if (n === 10) out.push(result({ name: 'bridge process CPU, 10 clients, as a share of one core', value: w.cores, unit: 'cores', against: 'one core', reference: 1 }));
      }
    } finally {
      for (const c of clients) c.close();
      await child.stop();
    }
  } finally {
    await sim.close();
  }
  return out;
}

export async function bridgeBench(): Promise<BenchResult[]> {
  return [...(await teleopLatency()), ...(await fanOut())];
}

const childMode = process.env[CHILD_ENV];
if (childMode) await childMain(JSON.parse(childMode) as ChildMode);
