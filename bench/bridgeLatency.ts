/**
 * The bridge suite's teleop latency: command sent by a client → motion seen
 * in that client's telemetry, through the bridge, beside the same measured
 * with roslib straight to the cell — and where the difference goes.
 *
 * Processes as deployed: the sim cell in a child process (a real cell is
 * another machine), the bridge in another (`startStack` against that sim),
 * the clients — the protocol client and the direct roslib one — in this
 * one. Both paths drive the same sim, in alternating short rounds (direct,
 * bridge at 500 Hz, bridge at 30 Hz, repeated), so load on a shared machine
 * hits them alike.
 *
 * Every trial is timed at each point on its way (ms after the client sent
 * it): the server handing it to the controller, the first command on the
 * wire that moves the joint that way, the sim applying it, the sim
 * publishing the first moving sample, the bridge receiving that sample, the
 * telemetry batch carrying it leaving the bridge, the client receiving it.
 * The children report their points over IPC on their own clocks, mapped
 * onto ours with the offset of the shortest of many ping round trips.
 *
 * This file is also the children's entry point: forked with
 * CELLKIT_BRIDGE_LATENCY_CHILD set, it runs `childMain` and nothing else.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Topic, type Ros } from 'roslib';
import { SimCellServer, UR_TOPICS } from '@cellkit/bridge/sim';
import { CELL_LAYOUT } from '../bridge/sim/model/index.ts';
import { AuditLog } from '../bridge/src/access/index.ts';
import { startStack, type RunningStack } from '../bridge/src/app/startStack.ts';
import { MAX_RATE_HZ } from '../bridge/src/protocol/protocolConstants.ts';
import { connectRos } from '../bridge/src/ros/connectRos.ts';
import { Outbox } from '../bridge/src/server/Outbox.ts';
import { result, type BenchResult } from './BenchResult.ts';
import { LeanClient } from './LeanClient.ts';

const CHILD_ENV = 'CELLKIT_BRIDGE_LATENCY_CHILD';

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
/** The largest clock-offset error of any child so far (ms). */
let worstOffsetError = 0;
/** Epoch ms at sub-µs resolution: comparable between processes on one machine (after the offset below). */
const epochMs = () => performance.timeOrigin + performance.now();

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

// ─── the children: sim and bridge, each reporting the points it sees ────────

type ChildMode = { mode: 'sim' } | { mode: 'bridge'; configFile: string };

/** Child → parent. `point` events are changes or threshold crossings on JOINT (rad/s), at the child's epoch ms. */
type ChildReport =
  | { op: 'ready'; url: string }
  | { op: 'clock'; at: number }
  | { op: 'point'; point: string; v: number; at: number }
  | { op: 'failed'; message: string };

/** Reports `point` when `v` crosses MOVING upward (either sign), once per crossing. */
function crossing(report: (v: number) => void): (v: number) => void {
  let moving = 0;
  return (v) => {
    const now = Math.abs(v) > MOVING ? Math.sign(v) : 0;
    if (now !== 0 && now !== moving) report(v);
    moving = now;
  };
}

/** The sim's points: `simCmd` the command as it applies it (after rosbridge decoded it; on change), `simMove` the sample about to be published. */
async function startSim(point: (name: string, v: number) => void): Promise<{ url: string; close: () => Promise<void> }> {
  const sim = await SimCellServer.start({ port: 0, speed: 1, cameras: [] });
  const cell = sim.cell;
  let held = 0;
  const setCommand = cell.setJointVelocityCommand.bind(cell);
  cell.setJointVelocityCommand = (vel) => {
    const ok = setCommand(vel);
    if (ok && vel[JOINT] !== held) point('simCmd', (held = vel[JOINT]));
    return ok;
  };
  const moved = crossing((v) => point('simMove', v));
  const jointState = cell.jointState.bind(cell);
  cell.jointState = () => {
    const js = jointState();
    moved(js.velocity[JOINT]);
    return js;
  };
  return { url: sim.url, close: () => sim.close() };
}

/**
 * The bridge's points, through bench-only wrappers and listeners (registered
 * after the bridge's own, so each fires once the bridge has done its part):
 * `server` the session handing a jog to the controller (ws in, decode,
 * checks done), `wire` each change of the command handed to roslib,
 * `bridgeRx` a moving sample at the cell connection, `teleSend` the
 * telemetry batch carrying it sent on the client's socket.
 */
async function startBridge(configFile: string, point: (name: string, v: number) => void): Promise<{ url: string; close: () => Promise<void> }> {
  const stack: RunningStack = await startStack({ sim: false, configFile, port: 0, auditLog: AuditLog.inMemory().audit });
  const jog = stack.controller.jogJoints.bind(stack.controller);
  stack.controller.jogJoints = (id, v, g) => (point('server', v[JOINT]), jog(id, v, g));
  let sent = 0;
  stack.controller.on('output', (o) => o.velocities[JOINT] !== sent && point('wire', (sent = o.velocities[JOINT])));
  const received = crossing((v) => point('bridgeRx', v));
  stack.connection.on('joints', (s) => received(s.velocity[JOINT]));
  const batched = new WeakMap<Outbox, (v: number) => void>();
  const flush = Outbox.prototype.flush;
  Outbox.prototype.flush = function (this: Outbox) {
    const pending = (this as unknown as { joints: { velocity: number[] }[] }).joints;
    flush.call(this);
    if ((this as unknown as { joints: unknown[] }).joints === pending) return;
    let seen = batched.get(this);
    if (!seen) batched.set(this, (seen = crossing((v) => point('teleSend', v))));
    for (const s of pending) seen(s.velocity[JOINT]);
  };
  return { url: stack.wsUrl, close: () => stack.close() };
}

async function childMain(mode: ChildMode): Promise<void> {
  const send = (m: ChildReport) => process.send!(m);
  process.on('disconnect', () => process.exit(0));
  const point = (name: string, v: number) => send({ op: 'point', point: name, v, at: epochMs() });
  let running: { url: string; close: () => Promise<void> };
  try {
    running = mode.mode === 'sim' ? await startSim(point) : await startBridge(mode.configFile, point);
  } catch (err) {
    send({ op: 'failed', message: (err as Error).stack ?? String(err) });
    process.exit(1);
  }
  process.on('message', async (m: { op: string }) => {
    if (m.op === 'clock') send({ op: 'clock', at: epochMs() });
    else if (m.op === 'exit') {
      await running.close().catch(() => {});
      process.exit(0);
    }
  });
  send({ op: 'ready', url: running.url });
}

/** A sim or bridge in a child process, its points mapped onto this process's `performance.now()`. */
class Child {
  readonly points = new Map<string, { v: number; at: number }[]>();
  /** child epoch ms − our performance.now(), and ± half the shortest round trip it was measured with. */
  offset = 0;
  offsetError = Infinity;
  private replies: ((m: ChildReport) => void)[] = [];

  private constructor(
    private readonly proc: ChildProcess,
    readonly url: string,
  ) {
    proc.on('message', (m: ChildReport) => this.onReport(m));
  }

  static async start(mode: ChildMode): Promise<Child> {
    const proc = fork(fileURLToPath(import.meta.url), [], {
      execArgv: ['--import', 'tsx', ...(mode.mode === 'bridge' && process.env.BENCH_BRIDGE_NODE_ARGS ? process.env.BENCH_BRIDGE_NODE_ARGS.split(' ') : [])],
      env: { ...process.env, [CHILD_ENV]: JSON.stringify(mode) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = await new Promise<ChildReport>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`expected the ${mode.mode} child to start within 30 s, found no answer`)), 30_000);
      proc.once('message', (m: ChildReport) => (clearTimeout(timer), resolve(m)));
    });
    if (ready.op !== 'ready') throw new Error(`${mode.mode} child failed to start: ${JSON.stringify(ready)}`);
    const child = new Child(proc, ready.url);
    await child.calibrate();
    return child;
  }

  /** Offset of the child's clock from the round trip with the least delay (its error is at most half that trip). */
  async calibrate(rounds = 40): Promise<void> {
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      const got = new Promise<ChildReport>((resolve) => this.replies.push(resolve));
      this.proc.send({ op: 'clock' });
      const m = await got;
      const t1 = performance.now();
      if (m.op === 'clock' && (t1 - t0) / 2 < this.offsetError) {
        this.offsetError = (t1 - t0) / 2;
        this.offset = m.at - (t0 + t1) / 2;
      }
      await sleep(2);
    }
    worstOffsetError = Math.max(worstOffsetError, this.offsetError);
  }

  /** Gives each trial its first `point` after it was sent that moves the joint its way (beyond `over` rad/s), as `name`. */
  assign(trials: Trial[], point: string, name = point, over = 0): void {
    const events = this.points.get(point) ?? [];
    for (const t of trials) {
      const e = events.find((x) => x.at >= t.t0 && x.v * t.dir > over);
      if (e) t.at[name] = e.at;
      if (point === 'wire' && over === 0 && e) t.firstOutput = e.v;
    }
  }

  async stop(): Promise<void> {
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.send({ op: 'exit' });
    await Promise.race([exited, sleep(5000).then(() => this.proc.kill())]);
  }

  private onReport(m: ChildReport): void {
    if (m.op === 'point') {
      let list = this.points.get(m.point);
      if (!list) this.points.set(m.point, (list = []));
      list.push({ v: m.v, at: m.at - this.offset });
    } else if (m.op === 'clock') this.replies.shift()?.(m);
  }
}

// ─── trials ────────────────────────────────────────────────────────────────

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

/** One trial in flight: its direction, send time, and the first time each point saw it (our clock, ms). */
interface Trial {
  dir: number;
  t0: number;
  at: Record<string, number>;
  /** rad/s on JOINT of the first command on the wire that moved it (the bridge's first ramp step). */
  firstOutput?: number;
}

/** Points along a trial, in path order; a trial's time at each is ms after the client sent it. */
type Path = { points: string[]; trials: Trial[]; failed: number; refused?: string[] };

/**
 * From rest: step one joint to ±STEP, wait until the client sees it move that
 * way, then zeros. A random 0–20 ms pause before each step spreads it over
 * the phases of the bridge's 125 Hz tick and of the sim's steps.
 */
async function runTrials(opts: {
  n: number;
  warmup?: number;
  client: MotionWatch;
  command: (v: number[]) => void;
  /** Where the hooks record a trial's points. */
  current: { trial?: Trial };
}): Promise<{ trials: Trial[]; failed: number }> {
  const zeros = [0, 0, 0, 0, 0, 0];
  const trials: Trial[] = [];
  let failed = 0;
  const warmup = opts.warmup ?? 3;
  for (let i = 0; i < opts.n + warmup; i++) {
    const dir = i % 2 === 0 ? 1 : -1;
    await opts.client.still();
    await sleep(Math.random() * 20);
    const seen = opts.client.expect(dir);
    const v = zeros.slice();
    v[JOINT] = dir * STEP;
    const trial: Trial = { dir, t0: performance.now(), at: {} };
    opts.current.trial = trial;
    opts.command(v);
    const got = await Promise.race([seen, sleep(500).then(() => 'timeout' as const)]);
    opts.current.trial = undefined;
    opts.command(zeros);
    if (got === 'timeout') {
      failed++;
      continue;
    }
    trial.at.client = got;
    if (i >= warmup) trials.push(trial);
  }
  return { trials, failed };
}

/** Marks `point` on the current trial the first time `moving` holds for it. */
function marker(current: { trial?: Trial }) {
  return (point: string, v: number, at = performance.now()) => {
    const t = current.trial;
    if (t && t.at[point] === undefined && v * t.dir > 0) t.at[point] = at;
  };
}

/**
 * BENCH_BRIDGE_SAFETY: JSON merged into the bridge's `safety` config, to measure
 * the latency with another cell's limits, e.g. '{"maxJointAcceleration":[8,8,8,20,20,20]}'
 * (the config's own validation applies). Printed with the results.
 */
function safetyOverrides(): Record<string, unknown> {
  const raw = process.env.BENCH_BRIDGE_SAFETY;
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new Error(`BENCH_BRIDGE_SAFETY: expected a JSON object of safety settings, found ${JSON.stringify(raw)} (${(err as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`BENCH_BRIDGE_SAFETY: expected a JSON object, found ${raw}`);
  return parsed as Record<string, unknown>;
}

/** The bridge's cell config for the sim child: the embedded sim's (simCellConfig), as a file. */
async function simConfigFile(url: string): Promise<{ file: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'cellkit-bench-'));
  const file = join(dir, 'cell.json');
  const table = CELL_LAYOUT.tableTopZ;
  await writeFile(file, JSON.stringify({
    profile: 'ur',
    url,
    toolOffset: [...CELL_LAYOUT.tcpOffset],
    safety: { workspace: { min: [-0.85, -0.6, table + 0.01], max: [-0.15, 0.45, table + 0.7] }, ...safetyOverrides() },
  }));
  return { file, remove: () => rm(dir, { recursive: true, force: true }) };
}

const BRIDGE_POINTS = ['server', 'wire', 'wireMoving', 'simCmd', 'simMove', 'bridgeRx', 'teleSend', 'client'];
const DIRECT_POINTS = ['wire', 'simCmd', 'simMove', 'client'];

/** Untimed trials (~75 ms each) before a fresh bridge process's first timed one. */
const BRIDGE_WARMUP_TRIALS = 40;

async function bridgeRound(sim: Child, n: number, rates: number[]): Promise<Path[]> {
  const config = await simConfigFile(sim.url);
  const bridge = await Child.start({ mode: 'bridge', configFile: config.file });
  let client: LeanClient | undefined;
  const out: Path[] = [];
  try {
    client = await LeanClient.open(bridge.url, 'bench-teleop');
    const watch = new MotionWatch();
    client.onTelemetry = (m, at) => m.joints.forEach((s) => watch.sample(s.velocity[JOINT], at));
    await client.acquireLease();
    const c = client;
    for (const [i, rate] of rates.entries()) {
      c.subscribe(['joints'], rate);
      await sleep(500);
      // The bridge process is new each round (a bridge that outlived the round would keep sending zeros
      // at 125 Hz over the direct path's commands). Its first seconds are start-up — lazy module loading,
      // source maps, JIT, their GC — that a deployed bridge left behind hours ago: untimed trials first.
      const warmup = i === 0 ? BRIDGE_WARMUP_TRIALS : undefined;
      const r = await runTrials({ n, warmup, client: watch, current: {}, command: (velocities) => c.send({ op: 'teleop.joints', velocities }) });
      out.push({ points: BRIDGE_POINTS, ...r });
    }
    // A refusal (e.g. the connection gate closed on a loaded machine: no joint state for two periods) fails that trial, not the bench.
    if (c.errors.length) out[0].refused = c.errors.slice();
    await sleep(200);
    for (const p of out) {
      bridge.assign(p.trials, 'server');
      bridge.assign(p.trials, 'wire');
      bridge.assign(p.trials, 'wire', 'wireMoving', MOVING);
      bridge.assign(p.trials, 'bridgeRx');
      bridge.assign(p.trials, 'teleSend');
    }
    return out;
  } finally {
    client?.close();
    await bridge.stop();
    await config.remove();
  }
}

async function directRound(sim: Child, n: number): Promise<Path> {
  const ros: Ros = await connectRos(sim.url);
  const current: { trial?: Trial } = {};
  const mark = marker(current);
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
    await sleep(500);
    const r = await runTrials({
      n,
      client: watch,
      current,
      command: (data) => {
        cmd.publish({ layout: { dim: [], data_offset: 0 }, data });
        mark('wire', data[JOINT]);
      },
    });
    cmd.publish({ layout: { dim: [], data_offset: 0 }, data: [0, 0, 0, 0, 0, 0] });
    states.unsubscribe();
    await sleep(100);
    return { points: DIRECT_POINTS, ...r };
  } finally {
    ros.close();
  }
}

/** Fills in the sim's points (which arrive over IPC, maybe after the client saw the sample). */
function addSimPoints(sim: Child, path: Path): void {
  sim.assign(path.trials, 'simCmd');
  sim.assign(path.trials, 'simMove');
}

function merge(paths: Path[]): Path {
  return { points: paths[0].points, trials: paths.flatMap((p) => p.trials), failed: paths.reduce((s, p) => s + p.failed, 0), refused: paths.flatMap((p) => p.refused ?? []) };
}

/** ms after send at `point`, per trial that reached it. */
const since = (p: Path, point: string) => p.trials.flatMap((t) => (t.at[point] === undefined ? [] : [t.at[point] - t.t0]));
/** ms from `a` to `b`, per trial that has both. */
const between = (p: Path, a: string, b: string) =>
  p.trials.flatMap((t) => (t.at[a] === undefined || t.at[b] === undefined ? [] : [t.at[b] - t.at[a]]));

const SEGMENTS: { from: string; to: string; what: string }[] = [
  { from: 'send', to: 'server', what: 'ws in, decode, session checks' },
  { from: 'server', to: 'wire', what: 'safety + wait for the control tick, to the first nonzero command handed to roslib' },
  { from: 'wire', to: 'wireMoving', what: 'the safety ramp, first nonzero command → first command over the moving threshold' },
  { from: 'wire', to: 'simCmd', what: 'roslib → rosbridge → sim applies it (first nonzero)' },
  { from: 'simCmd', to: 'simMove', what: 'sim: servo ramp + tracking until a published sample moves' },
  { from: 'simMove', to: 'bridgeRx', what: 'rosbridge out → roslib → the bridge cell connection' },
  { from: 'bridgeRx', to: 'teleSend', what: 'telemetry batching until the batch leaves the bridge' },
  { from: 'teleSend', to: 'client', what: 'ws out, decode in the client' },
  { from: 'simMove', to: 'client', what: 'moving sample published → client sees it' },
];

export async function teleopLatency(seconds: number): Promise<BenchResult[]> {
  // p99 needs a few hundred trials to be more than the worst one or two; ~75 ms each.
  const total = Math.max(120, Math.round(5 * seconds));
  // Short rounds (~25 trials each way): on a machine shared with other work, load comes and goes within a minute.
  const rounds = Math.max(4, Math.round(total / 25));
  const n = Math.ceil(total / rounds);
  const sim = await Child.start({ mode: 'sim' });
  const direct: Path[] = [];
  const fast: Path[] = [];
  const ui: Path[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      // Alternate which goes first, so neither always follows the other's start-up.
      if (r % 2 === 0) direct.push(await directRound(sim, n));
      const [f, u] = await bridgeRound(sim, n, [MAX_RATE_HZ, 30]);
      fast.push(f);
      ui.push(u);
      if (r % 2 === 1) direct.push(await directRound(sim, n));
    }
    await sleep(200);
  } finally {
    await sim.stop();
  }
  const d = merge(direct);
  const b = merge(fast);
  const u = merge(ui);
  for (const p of [d, b, u]) addSimPoints(sim, p);
  for (const p of [d, b, u]) for (const t of p.trials) t.at.send = t.t0;

  const fails = (p: Path) => (p.failed ? `, ${p.failed} timed out${p.refused?.length ? ` (the bridge refused: ${p.refused[0]})` : ''}` : '');
  const dc = since(d, 'client');
  const refName = `roslib straight to the sim (publish → /joint_states, the sim's own ramp only; ${dc.length} trials${fails(d)})`;
  const pair = (name: string, xs: number[], ref: number[], against = refName, qs = [0.5, 0.99]) =>
    qs.map((q) => result({ name: `${name} p${q * 100}`, value: quantile(xs, q), unit: 'ms', against: `${against} p${q * 100}`, reference: quantile(ref, q) }));

  const bc = since(b, 'client');
  const added = quantile(bc, 0.99) - quantile(dc, 0.99);
  const out: BenchResult[] = [
    ...pair(
      `teleop latency, send → first moving sample in the sender's telemetry at ${MAX_RATE_HZ} Hz (step ±${STEP} rad/s on ${JOINT_NAME} from rest, ` +
        `moving = > ${MOVING} rad/s that way; sim in its own process; ${bc.length} trials${fails(b)}${process.env.BENCH_BRIDGE_SAFETY ? `; safety overrides ${process.env.BENCH_BRIDGE_SAFETY}` : ''})`,
      bc,
      dc,
      refName,
      [0.5, 0.9, 0.99],
    ),
    ...pair(`teleop latency, same, telemetry at 30 Hz (the UI's default; batching ≤ 33 ms; ${since(u, 'client').length} trials${fails(u)})`, since(u, 'client'), dc),
    ...pair(`teleop, send → the first nonzero command reaching the sim (command on the wire)`, since(b, 'simCmd'), since(d, 'simCmd'), 'roslib straight to the sim, same'),
    ...pair(`teleop, send → the sim publishing the first moving sample (motion, before the way back)`, since(b, 'simMove'), since(d, 'simMove'), 'roslib straight to the sim, same'),
    ...pair(`teleop, sim applies the first command → it publishes a moving sample (the bridge's first ramp step is ${quantile(b.trials.map((t) => Math.abs(t.firstOutput ?? 0)), 0.5).toFixed(3)} rad/s at p50, the direct step ${STEP})`, between(b, 'simCmd', 'simMove'), between(d, 'simCmd', 'simMove'), 'roslib straight to the sim, same'),
    ...pair(`teleop, moving sample published → seen by the client`, between(b, 'simMove', 'client'), between(d, 'simMove', 'client'), 'roslib straight to the sim, same'),
  ];
  // The bridge's path, segment by segment (p50 and p99 of each segment: they do not add up to the total's).
  for (const s of SEGMENTS) {
    const xs = between(b, s.from, s.to);
    if (xs.length === 0) continue;
    const ref = d.points.includes(s.to) && (s.from === 'send' || d.points.includes(s.from)) ? between(d, s.from, s.to) : [];
    for (const q of [0.5, 0.99]) {
      out.push(result({
        name: `  bridge segment ${s.from} → ${s.to} (${s.what}; ${xs.length} trials) p${q * 100}`,
        value: quantile(xs, q),
        unit: 'ms',
        against: ref.length ? `direct, same segment p${q * 100}` : 'direct total p' + q * 100,
        reference: ref.length ? quantile(ref, q) : quantile(dc, q),
      }));
    }
  }
  out.push(result({
    name: `children's clock offset error, worst (± half the shortest IPC round trip)`,
    value: worstOffsetError,
    unit: 'ms',
    against: 'budget',
    reference: 2,
  }));
  out.push(result({
    name: `teleop latency the bridge adds at p50 (bridge at ${MAX_RATE_HZ} Hz p50 − direct p50)`,
    value: quantile(bc, 0.5) - quantile(dc, 0.5),
    unit: 'ms',
    against: 'budget at p99',
    reference: 2,
  }));
  out.push(result({
    name: `teleop latency the bridge adds at p99 (bridge at ${MAX_RATE_HZ} Hz p99 − direct p99)`,
    value: added,
    unit: 'ms',
    against: 'budget',
    reference: 2,
    target: '< 2 ms',
    met: added < 2,
  }));
  return out;
}

const childMode = process.env[CHILD_ENV];
if (childMode) await childMain(JSON.parse(childMode) as ChildMode);
