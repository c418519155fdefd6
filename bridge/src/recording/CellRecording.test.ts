import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Dataset, EPISODE_TOPICS, cameraTopic, nsToSeconds, openDatasetDir, secondsToNs, validateDataset } from '@cellkit/datasets';
import { SPEED_SCALING_TOPIC } from '@cellkit/recorder';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { AuditLog } from '../access/index.ts';
import { startStack, type RunningStack } from '../app/startStack.ts';
import type { JointSample } from '../cell/Cell.ts';
import type { ControlOutput } from '../control/index.ts';
import type { ErrorMessage, RecordingMessage, ServerMessage } from '../protocol/index.ts';
import { TestClient } from '../server/testing/index.ts';
import { FailingStorage } from './testing/FailingStorage.ts';
import { readEpisode } from './testing/readEpisode.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CAMERAS = ['scene', 'wrist'];
const isRecording = (state: RecordingMessage['state']) => (m: ServerMessage) => m.op === 'recording' && m.state === state;

/** What the sim published, by topic, with its own stamps: the ground truth a recording is compared with. */
type Published = Map<string, number[]>;

function tapSim(stack: RunningStack): Published {
  const published: Published = new Map([[EPISODE_TOPICS.jointStates.topic, []], [EPISODE_TOPICS.wrench.topic, []], ...CAMERAS.map((c) => [cameraTopic(c), []] as [string, number[]])]);
  const node = stack.sim!.node;
  const afterStep = node.afterStep.bind(node);
  node.afterStep = () => {
    const stamp = node.now();
    published.get(EPISODE_TOPICS.jointStates.topic)!.push(stamp);
    published.get(EPISODE_TOPICS.wrench.topic)!.push(stamp);
    afterStep();
  };
  const publishFrame = node.publishCameraFrame.bind(node);
  node.publishCameraFrame = (name, stamp, jpeg) => {
    if (node.cameraWanted(name)) published.get(cameraTopic(name))!.push(stamp);
    publishFrame(name, stamp, jpeg);
  };
  return published;
}

async function jog(c: TestClient, velocities: number[], seconds: number): Promise<void> {
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    c.send({ op: 'teleop.joints', velocities });
    await sleep(30);
  }
}

const sha = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

// The real stack at real time with both cameras (small), driven by a websocket
// client speaking the bridge protocol; episodes read back from the MCAP files.
describe('recording through the bridge on the real stack', () => {
  let stack: RunningStack;
  let dataDir: string;
  let published: Published;
  const storages = new Map<string, FailingStorage>();
  const outputs: ControlOutput[] = [];
  const joints: JointSample[] = [];
  /** Indexes into `outputs`/`joints` when the recorder started and stopped listening. */
  const windows: { kind: 'recording' | 'stopping'; outputs: number; joints: number; simNow: number }[] = [];
  const clients: TestClient[] = [];
  async function connect(name: string): Promise<TestClient> {
    const { client } = await TestClient.welcomed(stack.wsUrl, name);
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cellkit-recording-'));
    stack = await startStack({
      sim: { port: 0, speed: 1, cameras: CAMERAS, cameraSize: { width: 64, height: 48 } },
      port: 0,
      auditLog: AuditLog.inMemory().audit,
      dataDir,
      recording: {
        // The real disk, with a switch that makes episode writes fail like a full disk.
        openDataset: async (dir, init) => {
          const storage = new FailingStorage({ root: dir });
          storages.set(dir, storage);
          await storage.mkdir('');
          return (await storage.exists('dataset.json')) ? Dataset.open({ storage }) : Dataset.create({ storage, info: init });
        },
      },
    });
    published = tapSim(stack);
    stack.controller.on('output', (o) => outputs.push(o));
    stack.connection.on('joints', (s) => joints.push(s));
    // The recorder subscribes before `recording` and unsubscribes before `stopping` is announced (both synchronously).
    stack.recording.on('change', (s) => {
      if (s.state !== 'idle') windows.push({ kind: s.state, outputs: outputs.length, joints: joints.length, simNow: stack.sim!.node.now() });
    });
    const deadline = performance.now() + 15_000;
    while ((stack.connection.health().state !== 'connected' || joints.length === 0) && performance.now() < deadline) await sleep(50);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await stack?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('records every stream of a jog started and stopped over the protocol, as the sim published it, with the actions the safety layer sent', async () => {
    const op = await connect('operator');
    let mark = op.mark();
    op.send({ op: 'record.start', dataset: 'jog', task: 'jog the shoulder' });
    const started = await op.next<RecordingMessage>(isRecording('recording'), mark);
    expect(started).toMatchObject({ dataset: 'jog', task: 'jog the shoulder', episode: 0, problems: [] });
    op.send({ op: 'lease.acquire' });
    await op.next((m) => m.op === 'lease' && m.holder !== null, mark);
    await jog(op, [0.2, 0, 0, 0, 0, 0], 0.8);
    op.send({ op: 'teleop.gripper', position: 0.5 });
    // A gripper target lives until the next command; give it a control tick before jogging on.
    await sleep(60);
    await jog(op, [-0.2, 0, 0, 0, 0, 0.3], 0.8);
    await sleep(300); // the deadman stops the arm: recorded as a safety event
    // Live state arrives while recording: elapsed time and quality.
    mark = op.mark();
    const live = await op.next<RecordingMessage>((m) => m.op === 'recording' && m.state === 'recording' && (m.quality?.streams.joints?.count ?? 0) > 0, mark);
    expect(live.elapsed).toBeGreaterThan(0);
    op.send({ op: 'record.stop', outcome: 'success', notes: 'two jogs' });
    const stopped = await op.next<RecordingMessage>((m) => m.op === 'recording' && m.state === 'idle' && m.last !== undefined, mark);
    expect(stopped.last).toMatchObject({ dataset: 'jog', episode: 0, outcome: 'success', status: 'complete' });

    const [begin, end] = windows.slice(-2);
    expect([begin!.kind, end!.kind]).toEqual(['recording', 'stopping']);
    const dataset = await openDatasetDir(join(dataDir, 'jog'), { cache: 'none' });
    const meta = await dataset.getEpisode(0);
    expect(meta).toMatchObject({ task: 'jog the shoulder', operator: 'operator', outcome: 'success', status: 'complete' });
    const { byTopic } = await readEpisode(join(dataDir, 'jog', dataset.mcapPath(0)));

    // Every stream is there.
    const streams = [EPISODE_TOPICS.jointStates, EPISODE_TOPICS.wrench, EPISODE_TOPICS.action, EPISODE_TOPICS.safetyMode, EPISODE_TOPICS.events].map((t) => t.topic);
    for (const topic of [...streams, SPEED_SCALING_TOPIC, ...CAMERAS.map(cameraTopic)]) {
      expect(byTopic.get(topic)?.length ?? 0, `${topic} recorded`).toBeGreaterThan(0);
    }
    // Stamps never go back, per topic.
    for (const [topic, list] of byTopic) {
      for (let i = 1; i < list.length; i++) expect(list[i]!.stamp, `${topic} stamp ${i}`).toBeGreaterThanOrEqual(list[i - 1]!.stamp);
    }
    // Against what the sim published: between the first and last recorded stamp, every message is recorded
    // (none lost on the way sim → rosbridge → roslib → recorder → disk) ...
    for (const [topic, stamps] of published) {
      const recorded = byTopic.get(topic)!.map((m) => m.stamp);
      const first = recorded[0]!;
      const last = recorded.at(-1)!;
      const inSpan = stamps.filter((s) => s >= first - 1e-6 && s <= last + 1e-6);
      expect(recorded.length, `${topic}: recorded vs published in the recorded span`).toBe(inSpan.length);
      // ... and the span is the episode window. Start edge: everything published after the recorder
      // subscribed is in (plus what was already on the wire then). Stop edge: nothing published after it
      // unsubscribed is (what was still on the wire then is not).
      const firstAfterStart = stamps.find((s) => s > begin!.simNow)!;
      expect(first, `${topic}: first recorded`).toBeLessThanOrEqual(firstAfterStart + 1e-6);
      expect(last, `${topic}: last recorded`).toBeLessThanOrEqual(end!.simNow + 1e-6);
      const inWindow = stamps.filter((s) => s > begin!.simNow && s <= end!.simNow).length;
      const before = recorded.filter((s) => s <= begin!.simNow).length;
      const rate = inSpan.length / Math.max(1e-9, last - first);
      console.log(`${topic}: ${recorded.length} recorded, ${inWindow} published while recording (${rate.toFixed(1)} Hz); edges: ${before} on the wire at start, ${inWindow - (recorded.length - before)} at stop`);
      expect(Math.abs(recorded.length - inWindow), `${topic}: edges`).toBeLessThanOrEqual(Math.max(5, 0.1 * inWindow));
    }
    // Joint samples: exactly what the connection delivered while the recorder listened.
    const delivered = joints.slice(begin!.joints, end!.joints);
    expect(byTopic.get(EPISODE_TOPICS.jointStates.topic)!.map((m) => m.stamp)).toEqual(delivered.map((s) => nsRound(s.stamp)));
    // Actions: exactly the commands the controller sent in that window, in order, as sent (not as requested).
    const sent = outputs.slice(begin!.outputs, end!.outputs).filter((o) => o.sent);
    const actions = byTopic.get(EPISODE_TOPICS.action.topic)!;
    expect(actions.length).toBe(sent.length);
    actions.forEach((a, i) => {
      expect(a.stamp).toBeCloseTo(sent[i]!.stamp, 6);
      expect(Array.from(a.msg.velocity as Float64Array)).toEqual(sent[i]!.velocities);
      if (sent[i]!.gripper === undefined) expect(Number.isNaN(a.msg.gripper)).toBe(true);
      else expect(a.msg.gripper).toBe(sent[i]!.gripper);
    });
    const peak = (j: number) => Math.max(...sent.map((o) => Math.abs(o.velocities[j]!)));
    expect(peak(0)).toBeGreaterThan(0.1);
    expect(peak(5)).toBeGreaterThan(0.1);
    expect(sent.some((o) => o.gripper === 0.5)).toBe(true);
    // Events: the lease, who commanded, the deadman stop.
    const codes = byTopic.get(EPISODE_TOPICS.events.topic)!.map((e) => `${e.msg.kind}:${e.msg.code}`);
    expect(codes).toContain('lease:acquired');
    expect(codes).toContain('takeover:source.teleop');
    expect(codes.some((c) => c.startsWith('safety:stop.deadman') || c.startsWith('safety:deadman'))).toBe(true);
    expect(byTopic.get(EPISODE_TOPICS.safetyMode.topic)!.map((m) => m.msg.mode)).toEqual([1]);
    expect((await validateDataset(dataset)).filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('refuses a dataset path, a second start, and a stop with nothing recording, saying why', async () => {
    const op = await connect('operator');
    let mark = op.mark();
    op.send({ op: 'record.start', dataset: '../etc', task: 'escape' });
    const bad = await op.next<ErrorMessage>((m) => m.op === 'error', mark);
    expect(bad).toMatchObject({ code: 'invalid_message', requestOp: 'record.start' });
    expect(bad.message).toMatch(/dataset/);
    mark = op.mark();
    op.send({ op: 'record.stop', outcome: 'success' });
    const idle = await op.next<ErrorMessage>((m) => m.op === 'error', mark);
    expect(idle).toMatchObject({ code: 'not_recording', requestOp: 'record.stop' });
    op.send({ op: 'record.start', dataset: 'jog', task: 'second' });
    await op.next(isRecording('recording'), mark);
    mark = op.mark();
    op.send({ op: 'record.start', dataset: 'other', task: 'third' });
    const busy = await op.next<ErrorMessage>((m) => m.op === 'error', mark);
    expect(busy.code).toBe('busy');
    expect(busy.message).toMatch(/episode 1 of "jog"/);
    expect(busy.tip).toMatch(/Stop/);
    op.send({ op: 'record.stop', outcome: 'discard' });
    await op.next((m) => m.op === 'recording' && m.state === 'idle' && m.last?.outcome === 'discard', mark);
  });

  it('a write error mid-episode: every client is told, recording returns to idle, earlier episodes are intact', async () => {
    const op = await connect('operator');
    const watcher = await connect('watcher');
    let mark = op.mark();
    op.send({ op: 'record.start', dataset: 'disk', task: 'good episode' });
    await op.next(isRecording('recording'), mark);
    await sleep(700);
    op.send({ op: 'record.stop', outcome: 'success' });
    await op.next((m) => m.op === 'recording' && m.state === 'idle' && m.last?.episode === 0, mark);
    const dir = join(dataDir, 'disk');
    const before = await sha(join(dir, 'episodes', '000000.mcap'));

    mark = op.mark();
    const watcherMark = watcher.mark();
    op.send({ op: 'record.start', dataset: 'disk', task: 'the disk fills up' });
    await op.next(isRecording('recording'), mark);
    await sleep(700);
    storages.get(dir)!.failNow();
    const error = await watcher.next<ErrorMessage>((m) => m.op === 'error', watcherMark);
    expect(error.code).toBe('write_failed');
    expect(error.message).toMatch(/ENOSPC/);
    expect(error.tip).toMatch(/free disk space/i);
    const idle = await op.next<RecordingMessage>((m) => m.op === 'recording' && m.state === 'idle' && m.last?.episode === 1, mark);
    expect(idle.problems.map((p) => [p.severity, p.code])).toEqual([['error', 'write_failed']]);
    expect(idle.last?.error).toMatch(/ENOSPC/);
    expect(stack.recording.status().state).toBe('idle');
    // A stop now says there is nothing to stop, and why.
    op.send({ op: 'record.stop', outcome: 'success' });
    const late = await op.next<ErrorMessage>((m) => m.op === 'error' && m.requestOp === 'record.stop', mark);
    expect(late.tip).toMatch(/fault/);

    // The disk comes back: reopening recovers episode 1; episode 0 is byte-for-byte what it was.
    storages.get(dir)!.failing = false;
    const reopened = await openDatasetDir(dir, { cache: 'none' });
    expect(await sha(join(dir, 'episodes', '000000.mcap'))).toBe(before);
    expect((await reopened.getEpisode(0)).status).toBe('complete');
    expect((await reopened.getEpisode(1)).status).toBe('recovered');
    expect((await validateDataset(reopened)).filter((p) => p.severity === 'error')).toEqual([]);
    // And recording works again, into the same dataset.
    mark = op.mark();
    op.send({ op: 'record.start', dataset: 'disk', task: 'after the fault' });
    const again = await op.next<RecordingMessage>(isRecording('recording'), mark);
    expect(again.problems).toEqual([]);
    op.send({ op: 'record.stop', outcome: 'success' });
    const done = await op.next<RecordingMessage>((m) => m.op === 'recording' && m.state === 'idle' && m.last?.episode === 2, mark);
    expect(done.last?.status).toBe('complete');
  });
});

/** Stamps go through MCAP as integer nanoseconds. */
function nsRound(s: number): number {
  return nsToSeconds(secondsToNs(s));
}
