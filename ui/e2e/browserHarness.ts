/**
 * What every browser test needs: the UI built into a temp folder (so a test
 * never serves a stale ui/dist), Debian's Chromium through playwright-core,
 * and a poll for conditions the page reaches asynchronously.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { build } from 'vite';

const uiRoot = fileURLToPath(new URL('..', import.meta.url));

/** Builds the UI into a fresh temp folder and returns it. */
export async function buildUi(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'cellkit-ui-'));
  await build({ root: uiRoot, configFile: join(uiRoot, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  return outDir;
}

/**
 * Headless Debian Chromium (never a downloaded browser). The background
 * networking flags keep it from dialling hosts this closed network refuses.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless=new', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Polls `probe` until it returns a value (not undefined/false); throws naming `what` after `timeoutMs`. */
export async function waitFor<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
