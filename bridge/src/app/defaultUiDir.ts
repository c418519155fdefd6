import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `ui/dist` of this checkout, if built; otherwise undefined with a warning saying how to build it. */
export function defaultUiDir(log?: (level: 'warn', msg: string) => void): string | undefined {
  const dir = fileURLToPath(new URL('../../../ui/dist', import.meta.url));
  if (existsSync(`${dir}/index.html`)) return dir;
  log?.('warn', `the web UI is not built (no ${dir}/index.html): run \`npm run build -w ui\`; serving the API only`);
  return undefined;
}
