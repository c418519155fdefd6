/**
 * The Deploy page in Chromium on the real stack: two tiny policy bundles are
 * trained in the setup (as the bridge's policy tests do) into the stack's
 * policies folder, one of them evaluated for real (`cellkit eval`, 2 reach
 * episodes in its own sim) so it carries an eval.json. The page lists both
 * with what they were trained on and the evaluation; the chosen one runs in
 * shadow mode (the robot does not move) and the page shows steps, latency,
 * the latest predicted joint speeds and the plots updating; Stop shows the
 * stop reason with a tip. Screenshots go to artifacts/ui/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../bridge/src/access/index.ts';
import { startStack, type RunningStack } from '../../bridge/src/app/startStack.ts';
import { createEvalCommand } from '../../bridge/src/cli/evalCommand.ts';
import { trainTinyPolicy } from '../../bridge/src/policy/testing/trainTinyPolicy.ts';
import type { PolicyListResponse } from '../../bridge/src/training/trainingApi.ts';
import { buildUi, launchChromium, waitFor as waitForCondition } from './browserHarness.ts';

const shots = fileURLToPath(new URL('../../artifacts/ui/', import.meta.url));

let outDir: string;
let dir: string;
let stack: RunningStack;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

const waitFor = <T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 30_000) =>
  waitForCondition(probe, what, timeoutMs, 100);

const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`) });
const text = async (id: string): Promise<string> => (await page.getByTestId(id).textContent()) ?? '';
const cells = async (id: string): Promise<string[]> => (await page.getByTestId(id).locator('td').allTextContents()).slice(1);

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'cellkit-deploy-'));
  const tiny = await trainTinyPolicy({ dir: join(dir, 'policies'), name: 'tiny' });
  await trainTinyPolicy({ dir: join(dir, 'policies'), name: 'tiny-untested', epochs: 1 });
  const evalLines: string[] = [];
  const code = await createEvalCommand({ auditLog: AuditLog.inMemory().audit, print: (l) => evalLines.push(l), log: () => {} }).run([
    '--policy', tiny, '--task', 'reach', '--episodes', '2', '--seed', '1000', '--speed', 'max', '--timeout', '2',
  ]);
  if (code !== 0) throw new Error(`cellkit eval failed (${code}): ${evalLines.join('\n')}`);
  outDir = await buildUi();
  stack = await startStack({
    port: 0,
    // No cameras: rendering them competes for this machine's CPU with the 500 Hz control loop, and a late joint
    // sample closes the connection gate — which, correctly, stops a policy that drives (as the bridge's own policy tests run).
    sim: { port: 0, speed: 1, cameras: [], log: () => {} },
    uiDir: outDir,
    auditLog: AuditLog.inMemory().audit,
    dataDir: join(dir, 'data'),
    policiesDir: join(dir, 'policies'),
    log: () => {},
  });
  browser = await launchChromium();
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await ctx.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${stack.url}/?name=Anna#/deploy`);
  await waitFor(async () => (await page.getByTestId('connection').getAttribute('data-state')) === 'open', 'the page to connect');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('Deploy page on the real stack', () => {
  it('lists the trained policies with what they were trained on and their evaluation; opens in shadow mode', async () => {
    await page.getByTestId('deploy-page').waitFor();
    await expect.poll(() => text('deploy-state')).toBe('No policy running');
    const listed = (await (await fetch(`${stack.url}/api/policies`)).json()) as PolicyListResponse;
    const tiny = listed.policies.find((p) => p.name === 'tiny')!;
    expect(tiny.eval).not.toBeNull();
    await page.getByTestId('deploy-policy-tiny').waitFor();
    expect(await text('deploy-policy-tiny')).toContain(`${tiny.policy} · `);
    expect(await text('deploy-policy-tiny')).toContain(`${tiny.rate} Hz`);
    const e = tiny.eval!;
    expect(await text('deploy-policy-eval-tiny')).toBe(
      `Succeeded ${e.successes} of ${e.episodes} tries: ${Math.round(e.successRate * 100)} % (likely ${Math.round(e.interval95[0] * 100)}–${Math.round(e.interval95[1] * 100)} %)`,
    );
    expect(await text('deploy-policy-eval-tiny-untested')).toMatch(/Not tested in the sim yet/);
    expect(await page.getByTestId('deploy-mode-shadow').getAttribute('aria-checked')).toBe('true');
    expect(await text('deploy-controls')).toContain('Predict only — the robot does not move.');
    expect(await page.getByTestId('deploy-start').isDisabled()).toBe(true);
    expect(await text('deploy-start-why')).toMatch(/Choose a trained policy/);
    // The speed slider tops out at 100 %.
    expect(await page.getByTestId('deploy-speed').getAttribute('max')).toBe('1');
    await shot('deploy-01-idle');
  });

  it('runs the trained bundle in shadow mode: steps, latency and predictions update, the robot stays put', async () => {
    await page.getByTestId('deploy-policy-tiny').click();
    expect(await page.getByTestId('deploy-policy-tiny').getAttribute('aria-selected')).toBe('true');
    await page.getByTestId('deploy-speed').fill('0.5');
    expect(await text('deploy-speed-value')).toBe('50 %');
    // Every command the controller sends to the arm while the policy runs in shadow.
    const policyOutputs: number[][] = [];
    const off = stack.controller.on('output', (o) => {
      if (o.source === 'policy') policyOutputs.push(o.velocities);
    });
    await page.getByTestId('deploy-start').click();
    await expect.poll(() => text('deploy-state'), { timeout: 20_000 }).toBe('Predicting (robot does not move)');
    await page.getByTestId('deploy-stop').waitFor();
    const firstSteps = Number(await waitFor(async () => ((await text('deploy-steps')) !== '0' ? text('deploy-steps') : false), 'steps'));
    const firstPrediction = await cells('deploy-latest-predicted');
    expect(firstPrediction).toHaveLength(6);
    expect(firstPrediction.every((c) => Number.isFinite(Number.parseFloat(c)))).toBe(true);
    // More steps, and the plotted/printed prediction changes as the cell's state does.
    await waitFor(async () => Number(await text('deploy-steps')) > firstSteps + 5, 'more steps');
    expect(await text('deploy-p50')).toMatch(/ms$/);
    expect(await text('deploy-p99')).toMatch(/ms$/);
    expect(await text('deploy-rate')).toMatch(/Hz$/);
    expect(await text('deploy-interventions')).toBe('0');
    expect(await text('deploy-outputs')).toContain('gripper');
    expect(await text('deploy-state')).not.toMatch(/driving/);
    // The plots have drawn the trace: the canvas is no longer blank at its centre row.
    const painted = await page.getByTestId('deploy-chart-0').evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let coloured = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i + 3]! > 0 && Math.abs(d[i]! - d[i + 2]!) > 60) coloured++;
      return coloured;
    });
    expect(painted).toBeGreaterThan(0);
    // Shadow: nothing from the policy reached the arm.
    off();
    expect(policyOutputs).toEqual([]);
    await shot('deploy-03-shadow-running');
  });

  it('Stop ends it and says why, with a tip', async () => {
    await page.getByTestId('deploy-stop').click();
    await expect.poll(() => text('deploy-state')).toBe('Stopped');
    expect(await text('deploy-stop-reason')).toMatch(/stopped by Anna/);
    expect(await text('deploy-stop-reason')).toMatch(/start it again when ready/);
    await page.getByTestId('deploy-start').waitFor();
    await shot('deploy-04-stopped');
  });

  it('supervised: the policy drives, the operator takes over and hands back, the policy resumes', async () => {
    await page.getByTestId('deploy-mode-supervised').click();
    await page.getByTestId('deploy-speed').fill('0.25');
    await page.getByTestId('deploy-start').click();
    await expect.poll(() => text('deploy-state'), { timeout: 20_000 }).toBe('Policy is driving the robot');
    // What the robot was sent now comes from the policy: not all zeros.
    await waitFor(async () => (await cells('deploy-latest-sent')).some((c) => Math.abs(Number.parseFloat(c)) > 0.05), 'commands sent to the robot');
    await shot('deploy-06-supervised');
    // A safety stop before the takeover would make the rest meaningless: say which.
    if ((await text('deploy-state')) === 'Stopped') throw new Error(`the policy stopped by itself: ${await text('deploy-stop-reason')}`);
    await page.getByTestId('deploy-takeover').click();
    await expect.poll(() => text('deploy-state')).toBe('An operator took over');
    expect(await text('deploy-interventions')).toBe('1');
    await expect.poll(() => page.getByTestId('control').textContent()).toContain('You');
    await expect.poll(() => page.getByTestId('jog-0-plus').isEnabled()).toBe(true);
    await shot('deploy-07-taken-over');
    await page.getByTestId('release-control').click();
    await expect.poll(() => text('deploy-state')).toMatch(/^Paused after a takeover/);
    await page.getByTestId('deploy-resume').click();
    await expect.poll(() => text('deploy-state')).toBe('Policy is driving the robot');
    await page.getByTestId('deploy-stop').click();
    await expect.poll(() => text('deploy-state')).toBe('Stopped');
    await page.getByTestId('deploy-mode-shadow').click();
  });

  it('E-STOP (Esc) stops a running policy; the reason and what to do are shown', async () => {
    await page.getByTestId('deploy-start').click();
    await expect.poll(() => text('deploy-state'), { timeout: 20_000 }).toBe('Predicting (robot does not move)');
    await page.keyboard.press('Escape');
    await expect.poll(() => text('deploy-state')).toBe('Stopped');
    expect(await text('deploy-stop-reason')).toMatch(/e-stop/i);
    expect(await text('deploy-stop-reason')).toMatch(/reset the e-stop, then start the policy again/);
    expect(await text('deploy-start-why')).toMatch(/E-STOP is latched/);
    await shot('deploy-05-estop');
    await page.getByTestId('estop-reset').click();
    await expect.poll(() => page.getByTestId('deploy-start').isEnabled()).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
