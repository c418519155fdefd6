/**
 * The Train page in Chromium against the real stack (sim cell, bridge,
 * built UI) over a real data folder: pick a dataset and the simple policy,
 * start, watch progress and the loss curve, see the run in the history;
 * start a long run, see the time left, reload and find it again, stop it
 * and see it as stopped; then evaluate the trained policy with `cellkit eval`
 * and see the result in the history. Training runs for real (tiny mlp).
 * Screenshots go to artifacts/ui/.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatasetDir, featuresFor } from '@cellkit/datasets';
import { SYNTHETIC_JOINTS, writeSyntheticEpisode } from '@cellkit/datasets/testing';
import { AuditLog } from '../../bridge/src/access/index.ts';
import { startStack, type RunningStack } from '../../bridge/src/app/startStack.ts';
import { createEvalCommand } from '../../bridge/src/cli/evalCommand.ts';
import type { PolicyListResponse } from '../../bridge/src/training/trainingApi.ts';
import { buildUi, launchChromium, waitFor as waitForCondition } from './browserHarness.ts';

const shots = fileURLToPath(new URL('../../artifacts/ui/', import.meta.url));
const DATASET = 'reach-demo';

let outDir: string;
let dataDir: string;
let policiesDir: string;
let stack: RunningStack;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

const waitFor = <T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 60_000) =>
  waitForCondition(probe, what, timeoutMs, 50);

const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`) });
const progressState = () => page.getByTestId('train-progress').getAttribute('data-state');
const chartPoints = async () => Number(await page.getByTestId('train-progress').getByTestId('loss-chart').getAttribute('data-points'));

/** Pixels of a colour (±24 per channel) on the progress panel's loss chart. */
async function pixelsOf(rgb: [number, number, number]): Promise<number> {
  return page.getByTestId('train-progress').locator('canvas').evaluate((c: HTMLCanvasElement, [r, g, b]) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i]! - r) < 24 && Math.abs(d[i + 1]! - g) < 24 && Math.abs(d[i + 2]! - b) < 24 && d[i + 3]! > 200) n++;
    return n;
  }, rgb);
}

async function writeDataset(dir: string): Promise<void> {
  const ds = await createDatasetDir(join(dir, DATASET), {
    name: DATASET, robot: 'ur', tasks: ['reach'],
    features: featuresFor({ joints: SYNTHETIC_JOINTS, gripper: true, cameras: [{ name: 'scene', width: 32, height: 24 }] }),
  }, { cache: 'none' });
  for (const [k, outcome] of (['success', 'success', 'success', 'success', 'failure'] as const).entries()) {
    const start = 1_767_225_600 + k * 10;
    const recording = await ds.startEpisode({ task: 'reach', startTime: start });
    await writeSyntheticEpisode(recording.writer, { start, duration: 3, cameras: ['scene'], width: 32, height: 24, seed: k + 1 });
    await recording.finish({ outcome });
  }
}

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), 'cellkit-data-'));
  policiesDir = mkdtempSync(join(tmpdir(), 'cellkit-policies-'));
  await writeDataset(dataDir);
  outDir = await buildUi();
  const quiet = (): void => {};
  stack = await startStack({ port: 0, sim: { port: 0, speed: 1, cameras: ['scene', 'wrist'], log: quiet }, uiDir: outDir, auditLog: AuditLog.inMemory().audit, log: quiet, dataDir, policiesDir });
  browser = await launchChromium();
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 1500 } });
  page = await ctx.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  for (const d of [outDir, dataDir, policiesDir]) if (d) rmSync(d, { recursive: true, force: true });
});

describe('Train page', () => {
  it('explains the choices; mlp on the dataset trains with progress and a loss curve, and lands in the history', async () => {
    await page.goto(`${stack.url}/#/train`);
    await page.getByTestId('train-page').waitFor();
    const card = page.getByTestId(`train-dataset-${DATASET}`);
    await card.waitFor();
    expect(await card.textContent()).toContain('4 successful');
    await card.click();
    expect(await card.getAttribute('aria-checked')).toBe('true');
    // Both kinds, in plain words; the dataset has a camera, so vision is offered.
    expect(await page.getByTestId('train-policy-mlp').textContent()).toMatch(/Simple \(joints only\).*fast to train/i);
    expect(await page.getByTestId('train-policy-chunk').textContent()).toMatch(/Vision \(cameras\).*camera images.*slower to train/i);
    expect(await page.getByTestId('train-policy-chunk').isEnabled()).toBe(true);
    await page.getByTestId('train-policy-mlp').click();
    // Defaults come from the bridge, each with a line of explanation; advanced settings are folded away.
    expect(Number(await page.getByTestId('train-epochs').inputValue())).toBeGreaterThan(3);
    expect(await page.getByTestId('train-batch').isVisible()).toBe(false);
    await page.getByTestId('train-advanced').locator('summary').click();
    expect(await page.getByTestId('train-batch').isVisible()).toBe(true);
    await page.getByTestId('train-epochs').fill('3');
    await page.getByTestId('train-batch').fill('16');
    await shot('train-form');

    await page.getByTestId('train-start').click();
    await waitFor(async () => (await progressState()) !== 'idle', 'the run to show');
    expect(await page.getByTestId('train-start').isDisabled()).toBe(true);
    await waitFor(async () => (await progressState()) === 'done' || (await progressState()) === 'failed', 'the run to end');
    expect(await page.getByTestId('train-failed').count()).toBe(0);
    expect(await page.getByTestId('train-stage').textContent()).toBe('Done: 3 epochs');
    expect(await page.getByTestId('train-stats').textContent()).toMatch(/Epoch\s*3 of 3/);
    expect(await chartPoints()).toBe(3);
    // Both curves are drawn: the training line (accent blue) and the validation line (orange).
    expect(await pixelsOf([0x1d, 0x4f, 0x91])).toBeGreaterThan(0);
    expect(await pixelsOf([0xc2, 0x57, 0x1a])).toBeGreaterThan(0);
    await page.getByTestId('train-notice').waitFor();

    const row = page.getByTestId(`policy-row-${DATASET}-mlp`);
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('ready');
    expect(await row.textContent()).toMatch(/Simple.*reach-demo.*4 episodes · 10 Hz.*Not evaluated yet/);
    expect(existsSync(join(policiesDir, `${DATASET}-mlp`, 'policy.json'))).toBe(true);
    await shot('train-done');
  });

  it('a long run shows the epoch, loss and time left; Stop ends it after the epoch, kept as stopped', async () => {
    await page.getByTestId('train-notice').getByRole('button', { name: 'OK' }).click();
    await page.getByTestId('train-epochs').fill('3000');
    await page.getByTestId('train-patience').fill('0');
    await page.getByTestId('train-start').click();
    await waitFor(async () => (await progressState()) === 'training' && (await chartPoints()) >= 3, 'a few epochs of the long run');
    expect(await page.getByTestId('train-stats').textContent()).toMatch(/Epoch\s*\d+ of 3000.*Loss\s*[\d.e-]+.*Validation\s*[\d.e-]+/);
    expect(await page.getByTestId('train-eta').textContent()).toMatch(/left|almost done/);
    expect(Number(await page.getByTestId('train-bar').getAttribute('aria-valuenow'))).toBeLessThan(100);
    await shot('train-running');

    // A reload finds the run again: the bridge owns it, not the page.
    const before = await chartPoints();
    await page.reload();
    await page.getByTestId('train-page').waitFor();
    await waitFor(async () => (await progressState()) === 'training' && (await chartPoints()) >= before, 'the running job after a reload');
    expect(await page.getByTestId('train-start').isDisabled()).toBe(true);

    await page.getByTestId('train-stop').click();
    await waitFor(async () => (await progressState()) === 'stopped', 'the run to stop');
    expect(await page.getByTestId('train-stage').textContent()).toMatch(/^Stopped after \d+ epochs?; can be continued$/);
    const row = page.getByTestId(`policy-row-${DATASET}-mlp-2`);
    await row.waitFor();
    await waitFor(async () => (await row.getAttribute('data-status')) === 'stopped', 'the stopped run in the history');
    expect(await row.getByRole('button', { name: 'Continue' }).isEnabled()).toBe(true);
    await shot('train-stopped');
  });

  it('shows the evaluation `cellkit eval` wrote for the trained policy', async () => {
    const bundle = join(policiesDir, `${DATASET}-mlp`);
    const evalCmd = createEvalCommand({ print: () => {}, log: () => {}, auditLog: AuditLog.inMemory().audit });
    expect(await evalCmd.run(['--policy', bundle, '--task', 'reach', '--episodes', '2', '--speed', 'max', '--timeout', '2'])).toBe(0);
    const listed = (await (await fetch(`${stack.url}/api/policies`)).json()) as PolicyListResponse;
    const result = listed.policies.find((p) => p.name === `${DATASET}-mlp`)!.eval!;
    expect(result.episodes).toBe(2);

    await page.getByTestId('train-history').getByRole('button', { name: 'Refresh' }).click();
    const cell = page.getByTestId(`policy-eval-${DATASET}-mlp`);
    await waitFor(async () => (await cell.textContent())?.includes('succeeded'), 'the evaluation in the history');
    expect(await cell.textContent()).toContain(`${result.successes} of 2 succeeded${Math.round(result.successRate * 100)}% · 95% range`);
    await page.getByTestId('train-history').scrollIntoViewIfNeeded();
    await shot('train-history');
    expect(pageErrors).toEqual([]);
  }, 180_000);
});
