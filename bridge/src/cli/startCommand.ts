import { parseArgs } from 'node:util';
import { startStack } from '../app/startStack.ts';
import { defaultUiDir } from '../app/defaultUiDir.ts';
import type { Command } from './Command.ts';
import { parsePort } from './bridgeCommand.ts';
import { logToConsole, parseSimArgs } from './simCommand.ts';
import { waitForShutdown } from './waitForShutdown.ts';

const usage = `Usage: cellkit start [options]

The main job on one machine: the simulated UR5e cell, the bridge (safety
layer, browser API) and the web UI. Open the printed address in a browser.

Options:
  --host <addr>        address to serve the UI on (default 127.0.0.1)
  --data-dir <dir>     where recorded datasets go (default ./data)
  --policies-dir <dir> where trained policy bundles go (default ./policies)
  --port <n>           UI/API port (default 8080)
  --sim-port <n>       the sim's rosbridge port (default 9090)
  --task, --seed, --cameras, --camera-size, --speed   as for \`cellkit sim\``;

export const startCommand: Command = {
  name: 'start',
  summary: 'run everything on this machine: simulated cell + bridge + web UI',
  usage,
  async run(argv) {
    const { values, tokens } = parseArgs({
      args: argv,
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '8080' },
        'data-dir': { type: 'string', default: 'data' },
        'policies-dir': { type: 'string', default: 'policies' },
        'sim-port': { type: 'string', default: '9090' },
        task: { type: 'string' },
        seed: { type: 'string' },
        cameras: { type: 'string' },
        'camera-size': { type: 'string' },
        speed: { type: 'string' },
      },
      strict: true,
      tokens: true,
    });
    // The sim's own options parse (and fail) exactly as `cellkit sim` does; it binds to loopback.
    const simArgv = tokens.flatMap((t) =>
      t.kind === 'option' && ['task', 'seed', 'cameras', 'camera-size', 'speed'].includes(t.name) ? [t.rawName, t.value!] : [],
    );
    const sim = parseSimArgs([...simArgv, '--port', values['sim-port']!]);
    const stack = await startStack({
      sim: { ...sim, host: '127.0.0.1', log: logToConsole },
      host: values.host,
      port: parsePort(values.port!),
      dataDir: values['data-dir'],
      policiesDir: values['policies-dir'],
      uiDir: defaultUiDir(logToConsole),
      log: logToConsole,
    });
    console.log(
      `cellkit: simulated ${sim.task} cell (seed ${sim.seed}, speed ${sim.speed}) at ${stack.sim!.url}\n` +
        `cellkit: open ${stack.url} in a browser (Ctrl-C to stop)`,
    );
    await waitForShutdown();
    await stack.close();
    return 0;
  },
};
