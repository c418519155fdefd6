import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Newest modification time (ms) of any file under `dir`. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * `ui/dist` of this checkout, if built; otherwise undefined with a warning
 * saying how to build it. A build older than the UI's sources is served, with
 * a warning: `cellkit start` run directly (not through `npm start`, which
 * builds first) would otherwise show yesterday's pages without a word.
 */
export function defaultUiDir(log?: (level: 'warn', msg: string) => void): string | undefined {
  const dir = fileURLToPath(new URL('../../../ui/dist', import.meta.url));
  const index = `${dir}/index.html`;
  if (!existsSync(index)) {
    log?.('warn', `the web UI is not built (no ${index}): run \`npm run build -w ui\`; serving the API only`);
    return undefined;
  }
  const src = fileURLToPath(new URL('../../../ui/src', import.meta.url));
  if (existsSync(src) && newestMtime(src) > statSync(index).mtimeMs) {
    log?.('warn', `the web UI build in ${dir} is older than its sources: run \`npm run build -w ui\` (npm start does) to serve the current pages`);
  }
  return dir;
}
