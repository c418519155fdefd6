/**
 * The Datasets page in Chromium against a real bridge serving a real data
 * folder (synthetic episodes; the cell is a fake, the page needs none):
 * list datasets and episodes, replay with both cameras and the plots under
 * one scrubber, step frames, play, see a camera gap, relabel, move to trash,
 * export to LeRobot with progress. Screenshots go to artifacts/ui/.
 *
 * The synthetic pictures carry their frame number in a grey block at the top
 * left (gray = 8·(k mod 30) + 8), so the test reads from the canvas which
 * frame is on screen.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frameMarkerGray } from '@cellkit/datasets/testing';
import { AuditLog, openAccess } from '../../bridge/src/access/index.ts';
import type { EpisodeReplay } from '../../bridge/src/server/datasets/datasetApi.ts';
import { SAMPLE_DATASET, writeSampleDatasets } from '../../bridge/src/server/datasets/testing/writeSampleDatasets.ts';
import { startServer, type RunningServer } from '../../bridge/src/server/startServer.ts';
import { FakeCell, FakeControlPort } from '../../bridge/src/server/testing/index.ts';
import { frameAt } from '../src/data/datasets/ReplayClock.ts';
import { buildUi, launchChromium, waitFor as waitForCondition } from './browserHarness.ts';

const shots = fileURLToPath(new URL('../../artifacts/ui/', import.meta.url));

let outDir: string;
let dataDir: string;
let server: RunningServer;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

const waitFor = <T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 30_000) =>
  waitForCondition(probe, what, timeoutMs, 50);

const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`) });
const shownFrame = async (camera: string): Promise<number> => Number(await page.getByTestId(`replay-camera-${camera}`).getAttribute('data-frame'));

/** The grey level of the frame-number block on the camera canvas. */
async function markerGray(camera: string): Promise<number> {
  return page.getByTestId(`replay-camera-${camera}`).evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(4, 4, 8, 8).data;
    let sum = 0;
    for (let i = 0; i < d.length; i += 4) sum += d[i]!;
    return sum / (d.length / 4);
  });
}

async function replayData(index: number): Promise<EpisodeReplay> {
  const res = await fetch(`${server.url}/api/datasets/${SAMPLE_DATASET}/episodes/${index}/replay`);
  return (await res.json()) as EpisodeReplay;
}

async function seek(seconds: number): Promise<void> {
  await page.getByTestId('replay-slider').fill(String(seconds));
}

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), 'cellkit-data-'));
  await writeSampleDatasets(dataDir);
  outDir = await buildUi();
  const cell = new FakeCell();
  server = await startServer({ cell, control: new FakeControlPort(cell), access: openAccess(), auditLog: AuditLog.inMemory().audit, uiDir: outDir, port: 0, log: () => {}, datasets: { dir: dataDir } });
  browser = await launchChromium();
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await ctx.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  for (const d of [outDir, dataDir]) if (d) rmSync(d, { recursive: true, force: true });
});

describe('Datasets page', () => {
  it('lists the dataset and its episodes with outcomes and plain-words quality', async () => {
    await page.goto(`${server.url}/#/datasets`);
    await page.getByTestId(`dataset-${SAMPLE_DATASET}`).waitFor();
    expect(await page.getByTestId(`dataset-${SAMPLE_DATASET}`).textContent()).toContain('3 episodes');
    await page.getByTestId('episode-row-2').waitFor();
    expect(await page.getByTestId('episode-row-0').textContent()).toContain('Success');
    expect(await page.getByTestId('episode-row-1').textContent()).toContain('Not labelled');
    expect(await page.getByTestId('episode-row-1').textContent()).toContain('wrist camera dropped frames');
    expect(await page.getByTestId('episode-row-2').textContent()).toContain('Failure');
    expect(await page.getByTestId('episode-row-2').textContent()).toContain('0.7 s left out of training');
    await shot('datasets-01-list');
  });

  it('replays an episode: both cameras and the plots follow one scrubber', async () => {
    const data = await replayData(0);
    await page.getByTestId('episode-row-0').click();
    await page.getByTestId('replay').waitFor();
    for (const cam of ['scene', 'wrist']) await waitFor(async () => (await shownFrame(cam)) === 0, `the first ${cam} frame`);
    const first = await page.getByTestId('replay-camera-scene').evaluate((c: HTMLCanvasElement) => c.toDataURL());
    await shot('datasets-02-replay');

    await seek(1.5);
    const scene = data.cameras.find((c) => c.name === 'scene')!.stamps;
    const k = frameAt(scene, 1.5);
    expect(k).toBeGreaterThan(30);
    await waitFor(async () => (await shownFrame('scene')) === k, `scene frame ${k} after moving the scrubber`);
    await waitFor(async () => (await shownFrame('wrist')) === frameAt(data.cameras.find((c) => c.name === 'wrist')!.stamps, 1.5), 'the wrist camera to follow the same scrubber');
    const moved = await page.getByTestId('replay-camera-scene').evaluate((c: HTMLCanvasElement) => c.toDataURL());
    expect(moved).not.toBe(first);
    expect(Math.abs((await markerGray('scene')) - frameMarkerGray(k))).toBeLessThan(6);
    expect(await page.getByTestId('replay-time').textContent()).toContain('00:01.5');
    await shot('datasets-03-scrubbed');

    await page.getByTestId('replay-forward').click();
    await waitFor(async () => (await shownFrame('scene')) === k + 1, 'one frame forward');
    expect(Math.abs((await markerGray('scene')) - frameMarkerGray(k + 1))).toBeLessThan(6);
    await page.getByTestId('replay-back').click();
    await page.getByTestId('replay-back').click();
    await waitFor(async () => (await shownFrame('scene')) === k - 1, 'two frames back');

    await page.getByTestId('replay-speed-2').click();
    expect(await page.getByTestId('replay-speed-2').getAttribute('aria-pressed')).toBe('true');
    await page.getByTestId('replay-play').click();
    await waitFor(async () => (await shownFrame('scene')) > k + 5, 'playback to move the picture on');
    await page.getByTestId('replay-play').click();
    const paused = await shownFrame('scene');
    await page.waitForTimeout(300);
    expect(await shownFrame('scene')).toBe(paused);
  });

  it('shows where a camera dropped frames', async () => {
    await page.getByTestId('episode-row-1').click();
    await waitFor(async () => (await page.getByTestId('replay').getAttribute('data-episode')) === '1', 'episode 1 to open');
    await waitFor(async () => (await shownFrame('wrist')) === 0, 'the first wrist frame');
    await seek(1.4);
    const note = page.locator('.tile', { has: page.getByTestId('replay-camera-wrist') }).locator('.tile-note');
    await waitFor(async () => ((await note.textContent()) ?? '').includes('dropped frames'), 'the gap note on the wrist camera');
    expect(await note.isVisible()).toBe(true);
    await shot('datasets-04-camera-gap');
  });

  it('relabels: outcome with one press, task and notes with Save; it persists', async () => {
    await page.getByTestId('outcome-success').click();
    await waitFor(async () => ((await page.getByTestId('episode-row-1').textContent()) ?? '').includes('Success'), 'row 1 to say Success');
    expect(await page.getByTestId('outcome-success').getAttribute('aria-pressed')).toBe('true');
    await page.getByTestId('episode-task').fill('pick the blue cube');
    await page.getByTestId('episode-notes').fill('wrist camera hiccup');
    await page.getByTestId('episode-save').click();
    await waitFor(async () => ((await page.getByTestId('episode-row-1').textContent()) ?? '').includes('pick the blue cube'), 'row 1 to show the new task');
    expect(await page.getByTestId('datasets-notice').textContent()).toContain('saved');
    const onDisk = JSON.parse(readFileSync(join(dataDir, SAMPLE_DATASET, 'episodes', '000001.json'), 'utf8'));
    expect(onDisk).toMatchObject({ outcome: 'success', task: 'pick the blue cube', notes: 'wrist camera hiccup' });
    await page.getByTestId('episode-labels').scrollIntoViewIfNeeded();
    await shot('datasets-05-relabelled');
  });

  it('marks a part of an episode to leave out of training at the replay cursor, and takes it back', async () => {
    // Episode 1 is open (relabelled above); it has no span yet.
    expect(await page.getByTestId('excluded-spans').textContent()).toContain('every frame is used for training');
    await seek(0.5);
    await page.getByTestId('excluded-from').click();
    await seek(1.25);
    await page.getByTestId('excluded-to').click();
    expect(await page.getByTestId('excluded-add').isDisabled()).toBe(true); // no reason yet
    await page.getByTestId('excluded-reason').fill('slipped, corrected by hand');
    await page.getByTestId('excluded-add').click();
    await waitFor(async () => ((await page.getByTestId('episode-row-1').textContent()) ?? '').includes('0.8 s left out of training'), 'row 1 to show the span');
    expect(await page.getByTestId('excluded-span-0').textContent()).toMatch(/0\.5\d s–1\.2\d s · slipped, corrected by hand/);
    expect(await page.getByTestId('replay-excluded').textContent()).toContain('slipped, corrected by hand');
    // On disk on the streams' clock: the replay's start + the cursor times.
    const onDisk = JSON.parse(readFileSync(join(dataDir, SAMPLE_DATASET, 'episodes', '000001.json'), 'utf8'));
    expect(onDisk.excluded).toHaveLength(1);
    expect(onDisk.excluded[0].end - onDisk.excluded[0].start).toBeCloseTo(0.75, 1);
    expect(onDisk.excluded[0].reason).toBe('slipped, corrected by hand');
    await page.getByTestId('excluded-spans').scrollIntoViewIfNeeded();
    await shot('datasets-05c-mark-excluded');
    await page.getByTestId('excluded-span-0').getByRole('button').click();
    await waitFor(async () => ((await page.getByTestId('excluded-spans').textContent()) ?? '').includes('every frame is used for training'), 'the span to be gone');
    expect(JSON.parse(readFileSync(join(dataDir, SAMPLE_DATASET, 'episodes', '000001.json'), 'utf8')).excluded).toEqual([]);
  });

  it('moves an episode to the trash after a confirmation', async () => {
    await page.getByTestId('episode-row-2').click();
    await waitFor(async () => (await page.getByTestId('replay').getAttribute('data-episode')) === '2', 'episode 2 to open');
    // Its span marked not to learn from is named above the plots (and shaded in them).
    expect(await page.getByTestId('replay-excluded').textContent()).toMatch(/Shaded: 0\.7 s left out of training \(nudged approach\)/);
    await page.getByTestId('plot-joints').scrollIntoViewIfNeeded();
    await shot('datasets-05b-excluded-span');
    await page.getByTestId('episode-delete').click();
    await page.getByTestId('delete-confirm').waitFor();
    await page.getByTestId('delete-confirm').scrollIntoViewIfNeeded();
    await shot('datasets-06-confirm-trash');
    await page.getByTestId('delete-yes').click();
    await waitFor(async () => ((await page.getByTestId('datasets-notice').textContent().catch(() => '')) ?? '').includes('trash'), 'the moved-to-trash notice');
    expect(await page.getByTestId('episode-row-2').count()).toBe(0);
    expect(existsSync(join(dataDir, SAMPLE_DATASET, 'episodes', '000002.mcap'))).toBe(false);
    expect(existsSync(join(dataDir, SAMPLE_DATASET, '.trash'))).toBe(true);
  });

  it('exports to LeRobot with a progress bar and says where it went', async () => {
    await page.getByTestId('export-start').click();
    await page.getByTestId('export-progress').waitFor();
    let midShot = false;
    await waitFor(async () => {
      const pct = Number(await page.getByTestId('export-progress').getAttribute('aria-valuenow'));
      const running = (await page.getByTestId('export-panel').getAttribute('data-state')) === 'running';
      if (running && pct > 0 && !midShot) {
        // A picture of the bar on its way (not an assertion: how far it got depends on the machine).
        midShot = true;
        await page.getByTestId('export-panel').scrollIntoViewIfNeeded();
        await shot('datasets-07a-exporting');
      }
      return !running;
    }, 'the export to finish', 120_000);
    expect(await page.getByTestId('export-failed').count()).toBe(0);
    const done = (await page.getByTestId('export-done').textContent()) ?? '';
    const out = join(dataDir, 'exports', `${SAMPLE_DATASET}-lerobot`);
    expect(done).toContain(out);
    expect(done).toContain('2 episodes');
    expect(await page.getByTestId('export-progress').getAttribute('aria-valuenow')).toBe('100');
    expect(JSON.parse(readFileSync(join(out, 'meta', 'info.json'), 'utf8')).total_episodes).toBe(2);
    await shot('datasets-07b-exported');
  });

  it('fits a 1024×768 tablet without sideways scrolling', async () => {
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.getByTestId('episode-row-0').click();
    await waitFor(async () => (await page.getByTestId('replay').getAttribute('data-episode')) === '0', 'episode 0 to open');
    await waitFor(async () => (await shownFrame('scene')) === 0, 'the first scene frame');
    const overflow = await page.locator('main.page').evaluate((el) => el.scrollWidth - el.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.getByTestId('replay').scrollIntoViewIfNeeded();
    await shot('datasets-08-tablet');
    expect(pageErrors).toEqual([]);
  });
});
