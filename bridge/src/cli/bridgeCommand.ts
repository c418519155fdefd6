import { parseArgs } from 'node:util';
import { startStack } from '../app/startStack.ts';
import { defaultUiDir } from '../app/defaultUiDir.ts';
import { UsageError, type Command } from './Command.ts';
import { logToConsole } from './simCommand.ts';
import { waitForShutdown } from './waitForShutdown.ts';

const usage = `Usage: cellkit bridge [options]

Connects to a robot cell's rosbridge_server through a robot profile, runs
every command through the safety layer, and serves the web UI and the
browser API.

Options:
  --rosbridge <url>   the cell's rosbridge (default ws://127.0.0.1:9090, or the config's url)
  --profile <name>    robot profile: ur | ur-ros1 | servo (default ur)
  --config <file>     cell config (YAML or JSON): topics, joints, cameras, safety limits
  --host <addr>       address to serve on (default 127.0.0.1; any other needs a token)
  --data-dir <dir>     where recorded datasets go (default ./data)
  --policies-dir <dir> where trained policy bundles go (default ./policies)
  --port <n>          port to serve on (default 8080)
  --ui <dir>          built web UI to serve (default ui/dist)`;

export function parsePort(value: string, flag = '--port'): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`${flag} expects 0..65535, got '${value}'`);
  return port;
}

export const bridgeCommand: Command = {
  name: 'bridge',
  summary: 'connect to a real cell (rosbridge) and serve the UI and the browser API',
  usage,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        rosbridge: { type: 'string' },
        profile: { type: 'string' },
        config: { type: 'string' },
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '8080' },
        'data-dir': { type: 'string', default: 'data' },
        'policies-dir': { type: 'string', default: 'policies' },
        ui: { type: 'string' },
      },
      strict: true,
    });
    if (values.rosbridge && !/^wss?:\/\//.test(values.rosbridge)) {
      throw new UsageError(`--rosbridge expects a ws:// or wss:// URL, got '${values.rosbridge}'`);
    }
    const stack = await startStack({
      sim: false,
      rosbridge: values.rosbridge,
      profile: values.profile,
      configFile: values.config,
      host: values.host,
      port: parsePort(values.port!),
      dataDir: values['data-dir'],
      policiesDir: values['policies-dir'],
      uiDir: values.ui ?? defaultUiDir(logToConsole),
      log: logToConsole,
    });
    console.log(`cellkit bridge: cell at ${stack.connection.health().url}; open ${stack.url}`);
    await waitForShutdown();
    await stack.close();
    return 0;
  },
};
