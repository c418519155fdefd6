/**
 * The researcher's settings on the Train page, in Chromium against the real
 * stack over a tiny data folder: Advanced is folded away; opened, it offers
 * the state inputs (the simple skill's default), outputs, the learning-rate
 * schedule and the policy's options; a value the bridge refuses shows its
 * words beside the form; tcp_pose + joint targets + cosine + an option start a
 * run that shows and saves those settings (tiny mlp, stopped after a few epochs).
 * Screenshots go to artifacts/ui/.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatasetDir, featuresFor } from '@cellkit/datasets';
import { SYNTHETIC_JOINTS, writeSyntheticEpisode } from '@cellkit/datasets/testing';
import { AuditLog } from '../../bridge/src/access/index.ts';
import { startStack, type RunningStack } from '../../bridge/src/app/startStack.ts';
import { buildUi, launchChromium, waitFor as waitForCondition } from './browserHarness.ts';

const shots = fileURLToPath(new URL('../../artifacts/ui/', import.meta.url));
const DATASET = 'reach-tiny';

let outDir: string;
let dataDir: string;
let policiesDir: string;
let stack: RunningStack;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

const waitFor = <T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 60_000) => waitForCondition(probe, what, timeoutMs, 50);
const progressState = () => page.getByTestId('train-progress').getAttribute('data-state');

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), 'cellkit-data-'));
  policiesDir = mkdtempSync(join(tmpdir(), 'cellkit-policies-'));
  const ds = await createDatasetDir(join(dataDir, DATASET), {
    name: DATASET, robot: 'ur', tasks: ['reach'], features: featuresFor({ joints: SYNTHETIC_JOINTS, gripper: true, cameras: [] }),
  }, { cache: 'none' });
  for (let k = 0; k < 3; k++) {
    const start = 1_767_225_600 + k * 10;
    const recording = await ds.startEpisode({ task: 'reach', startTime: start });
    await writeSyntheticEpisode(recording.writer, { start, duration: 3, cameras: [], seed: k + 1 });
    await recording.finish({ outcome: 'success' });
  }
  outDir = await buildUi();
  const quiet = (): void => {};
  stack = await startStack({ port: 0, sim: { speed: 1, cameras: [], log: quiet }, uiDir: outDir, auditLog: AuditLog.inMemory().audit, log: quiet, dataDir, policiesDir });
  browser = await launchChromium();
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 2100 } });
  page = await ctx.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  for (const d of [outDir, dataDir, policiesDir]) if (d) rmSync(d, { recursive: true, force: true });
});

describe('Train page, advanced settings', () => {
  it('tcp_pose + joint targets + cosine + an option: refused values shown beside the form, then a run with those settings', async () => {
    await page.goto(`${stack.url}/#/train`);
    await page.getByTestId(`train-dataset-${DATASET}`).click();
    // Folded away for operators.
    expect(await page.getByTestId('train-state-tcp_pose').isVisible()).toBe(false);
    await page.getByTestId('train-advanced').locator('summary').click();
    const research = page.getByTestId('train-research');
    await research.waitFor();

    // The simple skill's defaults are the CLI's: joint positions (an ordinary choice), gripper, force.
    const joints = page.getByTestId('train-state-joint_position');
    expect(await joints.isChecked()).toBe(true);
    expect(await joints.isDisabled()).toBe(false);
    for (const [g, on] of [['gripper', true], ['wrench', true], ['joint_velocity', false], ['tcp_pose', false]] as const) {
      expect(await page.getByTestId(`train-state-${g}`).isChecked(), g).toBe(on);
    }
    expect(await page.getByTestId('train-action-velocity').isChecked()).toBe(true);
    expect(await page.getByTestId('train-lr-schedule').inputValue()).toBe('constant');
    const tcpLine = page.locator('label', { has: page.getByTestId('train-state-tcp_pose') });
    expect(await tcpLine.textContent()).toMatch(/Tool pose.*tool position and orientation from forward kinematics/i);

    // The form renders each change at once (check() insists the box changed when the click ends).
    await page.getByTestId('train-state-tcp_pose').check();
    await page.getByTestId('train-action-position').check();
    await page.getByTestId('train-lr-schedule').selectOption('cosine');
    await waitFor(async () => (await page.getByTestId('train-lr-schedule').inputValue()) === 'cosine', 'the cosine schedule');
    // The policy's option names are offered, with their defaults as placeholders.
    await page.getByTestId('train-option-add').click();
    const name = page.getByTestId('train-option-name-0');
    expect(await name.locator('option').allTextContents()).toEqual(['choose…', 'hiddenUnits', 'activation', 'dropout', 'loss']);
    await name.selectOption('dropout');
    await waitFor(async () => (await page.getByTestId('train-option-value-0').getAttribute('placeholder')) === '0', 'the default of dropout as the placeholder');
    await page.getByTestId('train-option-value-0').fill('2');
    await page.getByTestId('train-epochs').fill('3000');
    await page.getByTestId('train-patience').fill('0');

    // The bridge refuses; its words show next to the form, and nothing starts.
    await page.getByTestId('train-start').click();
    const refused = page.getByTestId('train-form-problem');
    await refused.waitFor();
    expect(await refused.getAttribute('data-code')).toBe('invalid_option');
    expect(await refused.textContent()).toContain("option 'dropout' expected [0, 1), found 2");
    expect(await progressState()).toBe('idle');
    await refused.screenshot({ path: join(shots, 'train-advanced-refused.png') });

    await name.selectOption('hiddenUnits');
    await waitFor(async () => (await page.getByTestId('train-option-value-0').getAttribute('placeholder')) === '[256,256]', 'the default of hiddenUnits');
    // Changing the form clears the refusal.
    expect(await refused.count()).toBe(0);
    // Typing inside the value keeps the caret where it is.
    const value = page.getByTestId('train-option-value-0');
    await value.fill('[3, 32]');
    await value.evaluate((el: HTMLInputElement) => el.setSelectionRange(2, 2));
    await page.keyboard.type('2');
    expect(await value.inputValue()).toBe('[32, 32]');
    await page.getByTestId('train-form').screenshot({ path: join(shots, 'train-advanced.png') });

    await page.getByTestId('train-start').click();
    await waitFor(async () => (await progressState()) === 'training' && (await page.getByTestId('train-settings').count()) > 0, 'the run to train');
    expect(await page.getByTestId('train-settings').textContent()).toBe(
      'Inputs: joint positions, gripper, force and torque, tool pose · Outputs: joint targets · Learning rate 0.001, cosine · Options: hiddenUnits=[32,32]',
    );
    await page.getByTestId('train-progress').screenshot({ path: join(shots, 'train-advanced-running.png') });
    await page.getByTestId('train-stop').click();
    await waitFor(async () => (await progressState()) === 'stopped', 'the run to stop');

    const run = JSON.parse(readFileSync(join(policiesDir, `${DATASET}-mlp`, 'checkpoints', 'run.json'), 'utf8'));
    expect(run.settings).toMatchObject({
      state: ['joint_position', 'gripper', 'wrench', 'tcp_pose'], actionTarget: 'position', learningRateSchedule: 'cosine', policyOptions: { hiddenUnits: [32, 32] },
    });
    expect(run.kinematics.arm).toBe('ur5e');
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
