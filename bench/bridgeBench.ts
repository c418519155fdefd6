/**
 * `npm run bench bridge`: what the bridge costs on top of talking to the cell
 * directly — teleop latency, telemetry delivered ÷ produced with 1 and 10
 * clients, and the bridge's CPU. Every figure is compared with a reference
 * measured in the same run.
 *
 * Two set-ups:
 * - latency (`bridgeLatency.ts`): the sim in a child process; the real stack
 *   (`startStack` against it: roslib → controller + safety → ws server) and
 *   a client holding the lease in this one; reference: a roslib client
 *   publishing straight to the same sim, in alternating rounds; every trial
 *   timed at each point on its way;
 * - fan-out and CPU: the sim and the clients in this process, the bridge
 *   (`startStack` with `sim: false`) in a child process that reports its own
 *   `process.cpuUsage`; reference: a child that only subscribes to the same
 *   two streams over roslib, as the bridge's cell connection does.
 *
 * BENCH_BRIDGE_PARTS picks parts (`latency`, `fanout`; default both).
 * BENCH_BRIDGE_NODE_ARGS adds node flags to the latency part's bridge process
 * only, e.g. `--trace-gc` or `--max-semi-space-size=64`, to see what its tails are.
 * BENCH_BRIDGE_SAFETY merges JSON into the latency part's cell config `safety`
 * (e.g. another cell's acceleration limits), named in the results.
 *
 * This file is also the child's entry point: forked with
 * CELLKIT_BRIDGE_BENCH_CHILD set, it runs `childMain` and nothing else.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Topic, type Ros } from 'roslib';
import { SimCellServer, UR_TOPICS } from '@cellkit/bridge/sim';
import { AuditLog } from '../bridge/src/access/index.ts';
import { startStack, type RunningStack } from '../bridge/src/app/startStack.ts';
import { MAX_RATE_HZ } from '../bridge/src/protocol/protocolConstants.ts';
import { connectRos } from '../bridge/src/ros/connectRos.ts';
import { result, type BenchResult } from './BenchResult.ts';
import { teleopLatency } from './bridgeLatency.ts';
import { LeanClient } from './LeanClient.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 60);
const CHILD_ENV = 'CELLKIT_BRIDGE_BENCH_CHILD';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ─── fan-out and CPU, bridge in a child process ──────────────────────────────

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

/** BENCH_BRIDGE_PARTS: which parts to run, comma-separated (`latency`, `fanout`); default both. */
export async function bridgeBench(): Promise<BenchResult[]> {
  const parts = (process.env.BENCH_BRIDGE_PARTS ?? 'latency,fanout').split(',');
  const out: BenchResult[] = [];
  if (parts.includes('latency')) out.push(...(await teleopLatency(seconds)));
  if (parts.includes('fanout')) out.push(...(await fanOut()));
  return out;
}

const childMode = process.env[CHILD_ENV];
if (childMode) await childMain(JSON.parse(childMode) as ChildMode);
