/**
 * The Datasets REST API through `app.inject()` on a real data folder:
 * synthetic episodes written with @cellkit/datasets, quality reports from the
 * recorder's QualityMonitor. Expected values are computed from the synthetic
 * signals (closed-form functions of the stamp), never copied from a run.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatasetDir, featuresFor } from '@cellkit/datasets';
import { SYNTHETIC_JOINTS, frameMarkerGray, syntheticJpeg, syntheticPosition, writeSyntheticEpisode } from '@cellkit/datasets/testing';
import type { FastifyInstance } from 'fastify';
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAccess, tokenAccess } from '../access/AccessPolicy.ts';
import { AuditLog } from '../access/AuditLog.ts';
import { buildApp } from './buildApp.ts';
import type { DatasetListResponse, EpisodeListResponse, EpisodeReplay, ExportJob } from './datasets/datasetApi.ts';
import { SAMPLE_DATASET, SAMPLE_EPISODES, SAMPLE_START, writeSampleDatasets } from './datasets/testing/writeSampleDatasets.ts';
import { FakeCell } from './testing/FakeCell.ts';
import { FakeControlPort } from './testing/FakeControlPort.ts';

let dir: string;
let app: FastifyInstance;
let locked: FastifyInstance;
const audit = AuditLog.inMemory();
const base = `/api/datasets/${SAMPLE_DATASET}`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cellkit-datasets-api-'));
  await writeSampleDatasets(dir);
  // A second dataset with one episode still being recorded (its writer never finishes here).
  const live = await createDatasetDir(join(dir, 'live'), { name: 'live', robot: 'ur', tasks: ['wipe'], features: featuresFor({ joints: SYNTHETIC_JOINTS, gripper: true, cameras: [] }) }, { cache: 'none' });
  const recording = await live.startEpisode({ task: 'wipe' });
  await writeSyntheticEpisode(recording.writer, { duration: 0.2, cameras: [] });
  const cell = new FakeCell();
  const common = { cell, control: new FakeControlPort(cell), auditLog: audit.audit, log: () => {}, datasets: { dir } };
  app = buildApp({ ...common, access: openAccess() });
  locked = buildApp({ ...common, access: tokenAccess({ verify: (t) => (t === 'viewer' ? { role: 'viewer', name: 'wall screen' } : t === 'op' ? { role: 'operator', name: 'ana' } : undefined) }) });
  await Promise.all([app.ready(), locked.ready()]);
}, 60_000);

afterAll(async () => {
  await Promise.all([app?.close(), locked?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

const get = async <T>(url: string, a = app): Promise<T> => {
  const res = await a.inject({ method: 'GET', url });
  expect(res.statusCode, `GET ${url}: ${res.body}`).toBe(200);
  return res.json() as T;
};

const durations = SAMPLE_EPISODES.map((e) => e.duration);
const gap = SAMPLE_EPISODES[1]!.wristDropout!;
/** Wrist frames episode 1 kept, counted the way the synthetic writer decides (stamps in the gap are not written). */
const wristFrames = Array.from({ length: 90 }, (_, k) => SAMPLE_START + 60 + k / 30 - (SAMPLE_START + 60)).filter((t) => !(t >= gap.from && t < gap.to)).length;

describe('listing', () => {
  it('lists every dataset with episode count, duration, tasks, robot, features and cameras', async () => {
    const body = await get<DatasetListResponse>('/api/datasets');
    expect(body.problems).toEqual([]);
    expect(body.datasets.map((d) => d.name)).toEqual(['live', SAMPLE_DATASET]);
    const d = body.datasets.find((x) => x.name === SAMPLE_DATASET)!;
    expect(d).toMatchObject({ robot: 'ur', episodes: SAMPLE_EPISODES.length, tasks: ['pick the red cube'], cameras: ['scene', 'wrist'] });
    expect(d.outcomes).toEqual({ success: 1, failure: 1, discard: 0, unlabeled: 1 });
    // Episodes end at their last message's receive time: a little after the nominal duration.
    const nominal = durations.reduce((a, b) => a + b, 0);
    expect(d.duration).toBeGreaterThan(nominal - 0.1);
    expect(d.duration).toBeLessThan(nominal + 0.2);
    expect(d.features.map((f) => f.name)).toContain('observation.images.wrist');
    expect(d.features.find((f) => f.name === 'observation.joint_position')!.shape).toEqual([6]);
  });

  it("lists a dataset's episodes with task, outcome, status, length and plain-words quality badges", async () => {
    const body = await get<EpisodeListResponse>(`${base}/episodes`);
    expect(body.dataset.name).toBe(SAMPLE_DATASET);
    expect(body.episodes.map((e) => [e.index, e.task, e.outcome, e.status])).toEqual(SAMPLE_EPISODES.map((e, i) => [i, e.task, e.outcome, 'complete']));
    for (const [i, e] of body.episodes.entries()) {
      expect(e.duration!).toBeGreaterThan(durations[i]! - 0.1);
      expect(e.duration!).toBeLessThan(durations[i]! + 0.2);
      expect(e.cameras).toEqual(['scene', 'wrist']);
    }
    expect(body.episodes[0]!.badges).toEqual([]);
    expect(body.episodes[1]!.badges.map((b) => b.text)).toEqual(['wrist camera dropped frames']);
    expect(body.episodes[1]!.badges[0]!.tip).toMatch(/wrist.*Hz/);
    expect(body.episodes[2]!.badges.map((b) => b.text)).toEqual(['0.7 s left out of training']);
  });

  it('shows an episode still being recorded, and refuses to replay it (409)', async () => {
    const body = await get<EpisodeListResponse>('/api/datasets/live/episodes');
    expect(body.episodes.map((e) => [e.status, e.duration])).toEqual([['recording', null]]);
    expect(body.episodes[0]!.badges.map((b) => b.code)).toEqual(['recording']);
    const res = await app.inject({ method: 'GET', url: '/api/datasets/live/episodes/0/replay' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'episode_recording', tip: expect.any(String) });
  });
});

describe('replay', () => {
  it('carries the spans training leaves out, on the replay clock', async () => {
    expect((await get<EpisodeReplay>(`${base}/episodes/0/replay`)).excluded).toEqual([]);
    const r = await get<EpisodeReplay>(`${base}/episodes/2/replay`);
    expect(r.excluded).toHaveLength(1);
    const [e] = r.excluded;
    expect(e!.reason).toBe('nudged approach');
    const offset = r.start - (SAMPLE_START + 120); // the grid starts at the first sample of every stream
    expect(e!.t0 + offset).toBeCloseTo(0.5, 2);
    expect(e!.t1 - e!.t0).toBeCloseTo(0.7, 2);
  });

  it('returns states on a 30 Hz grid, camera frame stamps and events', async () => {
    const r = await get<EpisodeReplay>(`${base}/episodes/1/replay`);
    expect(r.rate).toBe(30);
    expect(r.start).toBeCloseTo(SAMPLE_START + 60, 6);
    const n = r.t.length;
    expect(n).toBeGreaterThan(85);
    expect(r.t[1]! - r.t[0]!).toBeCloseTo(1 / 30, 3);
    expect(r.series.map((s) => s.key)).toEqual(['observation.joint_position', 'observation.joint_velocity', 'observation.gripper', 'observation.wrench', 'action']);
    for (const s of r.series) {
      expect(s.values.length).toBe(s.names.length);
      for (const channel of s.values) expect(channel.length).toBe(n);
    }
    const pos = r.series[0]!;
    expect(pos.names).toEqual(SYNTHETIC_JOINTS);
    // Zero-order hold of 500 Hz samples: within one sample period of the true signal.
    for (const i of [0, 10, n - 1]) {
      for (let j = 0; j < 6; j++) expect(Math.abs(pos.values[j]![i]! - syntheticPosition(j, r.t[i]!))).toBeLessThan(0.002);
    }
    const scene = r.cameras.find((c) => c.name === 'scene')!;
    const wrist = r.cameras.find((c) => c.name === 'wrist')!;
    expect(scene.stamps.length).toBe(90);
    // 0.6 s of the wrist camera missing at 30 Hz.
    expect(wrist.stamps.length).toBe(wristFrames);
    expect(wristFrames).toBeLessThan(90 - 17);
    expect(wrist.stamps.some((s) => s >= 1 && s < 1.6)).toBe(false);
    for (let k = 1; k < scene.stamps.length; k++) expect(scene.stamps[k]!).toBeGreaterThan(scene.stamps[k - 1]!);
    expect(r.events).toEqual([{ t: 0, kind: 'marker', code: 'start', message: 'synthetic episode' }]);
    expect(r.duration).toBeGreaterThanOrEqual(r.t[n - 1]!);
  });

  it('serves the recorded JPEG of frame i, byte for byte, and it decodes', async () => {
    for (const [camera, seed] of [['scene', 1], ['wrist', 2]] as const) {
      for (const k of [0, 7, 29, 31]) {
        const res = await app.inject({ method: 'GET', url: `${base}/episodes/0/frames/${camera}/${k}` });
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toBe('image/jpeg');
        const bytes = new Uint8Array(res.rawPayload);
        // Episode 0 was written with seed 1: camera c's pictures use seed c + 1, cycled every 30 frames.
        expect(Buffer.compare(Buffer.from(bytes), Buffer.from(syntheticJpeg(k % 30, 160, 120, seed)))).toBe(0);
        const img = jpeg.decode(bytes, { useTArray: true });
        expect([img.width, img.height]).toEqual([160, 120]);
        expect(Math.abs(img.data[(8 * 160 + 8) * 4]! - frameMarkerGray(k))).toBeLessThan(8);
      }
    }
  });

  it('says which frames and cameras exist when asked for others', async () => {
    const last = await app.inject({ method: 'GET', url: `${base}/episodes/1/frames/wrist/${wristFrames - 1}` });
    expect(last.statusCode).toBe(200);
    const out = await app.inject({ method: 'GET', url: `${base}/episodes/1/frames/wrist/${wristFrames}` });
    expect(out.statusCode).toBe(404);
    expect(out.json()).toMatchObject({ code: 'frame_out_of_range', message: expect.stringContaining(`0..${wristFrames - 1}`) });
    const cam = await app.inject({ method: 'GET', url: `${base}/episodes/1/frames/gripper/0` });
    expect(cam.json()).toMatchObject({ statusCode: 404, code: 'camera_not_found', message: expect.stringContaining('scene, wrist') });
    const notNumber = await app.inject({ method: 'GET', url: `${base}/episodes/1/frames/wrist/abc` });
    expect(notNumber.statusCode).toBe(400);
    expect(notNumber.json().code).toBe('invalid_request');
  });
});

describe('names and indexes are validated', () => {
  it.each([
    ['a path', '/api/datasets/..%2F..%2Fetc/episodes', 400, 'invalid_request'],
    ['upper case', '/api/datasets/Pick/episodes', 400, 'invalid_request'],
    ['too long', `/api/datasets/${'a'.repeat(65)}`, 400, 'invalid_request'],
    ['unknown dataset', '/api/datasets/nope/episodes', 404, 'dataset_not_found'],
    ['negative index', `${base}/episodes/-1/replay`, 400, 'invalid_request'],
    ['unknown episode', `${base}/episodes/42/replay`, 404, 'episode_not_found'],
    ['bad rate', `${base}/episodes/0/replay?rate=0`, 400, 'invalid_request'],
    ['unknown job', `${base}/export/00000000-0000-0000-0000-000000000000`, 404, 'job_not_found'],
  ])('%s → %i %s', async (_what, url, status, code) => {
    const res = await app.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(status);
    expect(res.json()).toMatchObject({ statusCode: status, code, message: expect.any(String) });
  });

  it('says which datasets exist', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/datasets/nope' });
    expect(res.json().message).toContain(`[live, ${SAMPLE_DATASET}]`);
  });
});

describe('access', () => {
  it('asks for a token when the bridge requires one, and lets a viewer read but not change', async () => {
    const none = await locked.inject({ method: 'GET', url: '/api/datasets' });
    expect(none.statusCode).toBe(401);
    expect(none.json().code).toBe('unauthorized');
    const list = await locked.inject({ method: 'GET', url: '/api/datasets', headers: { authorization: 'Bearer viewer' } });
    expect(list.statusCode).toBe(200);
    const patch = await locked.inject({ method: 'PATCH', url: `${base}/episodes/1`, headers: { authorization: 'Bearer viewer' }, payload: { outcome: 'success' } });
    expect(patch.statusCode).toBe(403);
    expect(patch.json()).toMatchObject({ code: 'forbidden', tip: expect.any(String) });
    const del = await locked.inject({ method: 'DELETE', url: `${base}/episodes/1`, headers: { authorization: 'Bearer viewer' } });
    expect(del.statusCode).toBe(403);
    expect((await get<EpisodeListResponse>(`${base}/episodes`)).episodes[1]!.outcome).toBeNull();
    expect(audit.lines.map((l) => JSON.parse(l)).filter((e) => e.result === 'refused').map((e) => [e.action, e.principal])).toEqual([
      ['dataset.relabel', 'wall screen'],
      ['dataset.delete', 'wall screen'],
    ]);
  });
});

describe('changing', () => {
  it('relabels outcome, task and notes, and it persists', async () => {
    const res = await locked.inject({ method: 'PATCH', url: `${base}/episodes/1`, headers: { authorization: 'Bearer op' }, payload: { outcome: 'success', task: 'pick the blue cube', notes: 'wrist camera hiccup, fine' } });
    expect(res.statusCode).toBe(200);
    expect(res.json().episode).toMatchObject({ index: 1, outcome: 'success', task: 'pick the blue cube', notes: 'wrist camera hiccup, fine' });
    const onDisk = JSON.parse(readFileSync(join(dir, SAMPLE_DATASET, 'episodes', '000001.json'), 'utf8'));
    expect(onDisk).toMatchObject({ outcome: 'success', task: 'pick the blue cube' });
    const listed = await get<EpisodeListResponse>(`${base}/episodes`);
    expect(listed.episodes[1]!.outcome).toBe('success');
    expect(listed.dataset.tasks).toEqual(['pick the red cube', 'pick the blue cube']);
    const unset = await app.inject({ method: 'PATCH', url: `${base}/episodes/1`, payload: { outcome: null } });
    expect(unset.json().episode.outcome).toBeNull();
    await app.inject({ method: 'PATCH', url: `${base}/episodes/1`, payload: { outcome: 'success' } });
  });

  it('refuses a relabel with nothing in it, an unknown outcome, a blank task or a malformed span', async () => {
    const span = { start: SAMPLE_START + 61, end: SAMPLE_START + 61.5, reason: 'slipped' };
    for (const payload of [{}, { outcome: 'great' }, { task: '   ' }, { index: 3 }, { excluded: [{ ...span, end: SAMPLE_START + 60 }] }, { excluded: [{ ...span, reason: '  ' }] }, { excluded: [{ start: 1 }] }]) {
      const res = await app.inject({ method: 'PATCH', url: `${base}/episodes/1`, payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(['invalid_request', 'invalid_task', 'nothing_to_change', 'invalid_span']).toContain(res.json().code);
      if (res.json().code === 'invalid_span') expect(res.json()).toMatchObject({ message: expect.stringMatching(/^excluded span 0: expected .*start ≤ end and a reason, found/), tip: expect.any(String) });
    }
    expect((await get<EpisodeListResponse>(`${base}/episodes`)).episodes[1]!.excluded).toEqual([]); // nothing half-saved
  });

  it('sets and clears the spans training leaves out; the list and the replay show them', async () => {
    const span = { start: SAMPLE_START + 61, end: SAMPLE_START + 61.5, reason: 'slipped, corrected by hand' };
    const res = await app.inject({ method: 'PATCH', url: `${base}/episodes/1`, payload: { excluded: [span] } });
    expect(res.statusCode).toBe(200);
    expect(res.json().episode.excluded).toEqual([span]);
    expect(res.json().episode.badges.map((b: { code: string }) => b.code)).toContain('excluded');
    expect(JSON.parse(readFileSync(join(dir, SAMPLE_DATASET, 'episodes', '000001.json'), 'utf8')).excluded).toEqual([span]);
    const replay = await get<EpisodeReplay>(`${base}/episodes/1/replay`);
    expect(replay.excluded[0]!.t1 - replay.excluded[0]!.t0).toBeCloseTo(0.5, 3);
    const cleared = await app.inject({ method: 'PATCH', url: `${base}/episodes/1`, payload: { excluded: [] } });
    expect(cleared.json().episode.excluded).toEqual([]);
  });

  it('moves a deleted episode to the trash and says so', async () => {
    const res = await app.inject({ method: 'DELETE', url: `${base}/episodes/2` });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ index: 2, movedToTrash: true, trashPath: expect.stringMatching(/^\.trash\/000002-\d+$/) });
    expect(body.message).toMatch(/trash/);
    expect(readdirSync(join(dir, SAMPLE_DATASET, body.trashPath)).sort()).toEqual(['000002.json', '000002.mcap']);
    expect((await get<EpisodeListResponse>(`${base}/episodes`)).episodes.map((e) => e.index)).toEqual([0, 1]);
    const again = await app.inject({ method: 'DELETE', url: `${base}/episodes/2` });
    expect(again.statusCode).toBe(404);
    expect(again.json().code).toBe('episode_not_found');
  });

  it('exports to LeRobot v3.0 as a job whose progress can be polled to done', async () => {
    const res = await app.inject({ method: 'POST', url: `${base}/export`, payload: { images: 'inline' } });
    expect(res.statusCode).toBe(202);
    const started = res.json() as ExportJob;
    expect(started).toMatchObject({ dataset: SAMPLE_DATASET, format: 'lerobot', state: 'running', done: false, out: join(dir, 'exports', `${SAMPLE_DATASET}-lerobot`) });
    const again = await app.inject({ method: 'POST', url: `${base}/export`, payload: {} });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('export_running');
    const seen: number[] = [];
    let job = started;
    while (!job.done) {
      await new Promise((r) => setTimeout(r, 20));
      job = await get<ExportJob>(`${base}/export/${started.id}`);
      seen.push(job.fraction);
    }
    expect(job.error).toBeUndefined();
    expect(job).toMatchObject({ state: 'done', fraction: 1, episodes: 2, stage: 'Done' });
    for (let k = 1; k < seen.length; k++) expect(seen[k]!).toBeGreaterThanOrEqual(seen[k - 1]!);
    const info = JSON.parse(readFileSync(join(job.out, 'meta', 'info.json'), 'utf8'));
    expect(info).toMatchObject({ codebase_version: 'v3.0', total_episodes: 2 });
    expect(info.total_frames).toBe(job.frames);
    expect(readdirSync(join(dir, 'exports'))).toEqual([`${SAMPLE_DATASET}-lerobot`]);
  });

  it('reports a failed export as data with a tip', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/datasets/live/export', payload: { images: 'inline' } });
    expect(res.statusCode).toBe(202);
    let job = res.json() as ExportJob;
    while (!job.done) {
      await new Promise((r) => setTimeout(r, 20));
      job = await get<ExportJob>(`/api/datasets/live/export/${job.id}`);
    }
    expect(job.state).toBe('failed');
    expect(job.error!.message).toMatch(/No episode to export/);
    expect(job.error!.tip).toMatch(/Label/);
    expect(existsSync(join(dir, 'exports', 'live-lerobot'))).toBe(false);
    expect(readdirSync(join(dir, 'exports')).filter((n) => n.includes('partial'))).toEqual([]);
  });
});
