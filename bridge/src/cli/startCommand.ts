import type { Command } from './Command.ts';
import { simCommand } from './simCommand.ts';

const usage = `Usage: cellkit start [sim options]

The main job: runs the simulated cell (see \`cellkit sim --help\` for its
options). The bridge and the web UI join it as they land.`;

export const startCommand: Command = {
  name: 'start',
  summary: 'run everything on this machine: the simulated cell (bridge and UI as they land)',
  usage,
  run: (argv) => simCommand.run(argv),
};
