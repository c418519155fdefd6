import { parseArgs } from 'node:util';
import { SimCellServer } from '../../sim/index.ts';
import type { TaskName } from '../../sim/cell/SimCell.ts';
import { UsageError, type Command } from './Command.ts';
import { waitForShutdown } from './waitForShutdown.ts';

const TASKS = ['reach', 'push', 'pick_place'];

const usage = `Usage: cellkit sim [options]

Runs the simulated UR5e cell (MuJoCo) behind a rosbridge v2 server, serving
the same topics and services as ur_robot_driver on a real cell.

Options:
  --host <addr>         address to bind (default 127.0.0.1)
  --port <n>            rosbridge port (default 9090)
  --task <name>         reach | push | pick_place (default pick_place)
  --seed <n>            task randomization seed (default 0)
  --cameras <list>      comma-separated camera names, or none (default scene,wrist)
  --camera-size <WxH>   camera resolution (default 160x120)
  --speed <1|max|x>     1 = real time (default), max = as fast as possible, or a factor`;

export interface SimArgs {
  host: string;
  port: number;
  task: TaskName;
  seed: number;
  cameras: string[];
  cameraSize: { width: number; height: number };
  speed: number | 'max';
}

export function parseSimArgs(argv: string[]): SimArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '9090' },
      task: { type: 'string', default: 'pick_place' },
      seed: { type: 'string', default: '0' },
      cameras: { type: 'string', default: 'scene,wrist' },
      'camera-size': { type: 'string', default: '160x120' },
      speed: { type: 'string', default: '1' },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port expects 0..65535, got '${values.port}'`);
  if (!TASKS.includes(values.task!)) throw new UsageError(`--task expects one of ${TASKS.join(', ')}, got '${values.task}'`);
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed expects an integer, got '${values.seed}'`);
  const cameras = values.cameras === 'none' || values.cameras === '' ? [] : values.cameras!.split(',').map((s) => s.trim());
  for (const c of cameras) if (!/^[a-z][a-z0-9_]*$/.test(c)) throw new UsageError(`--cameras: '${c}' is not a valid camera name (lowercase letters, digits, _)`);
  const m = /^(\d+)x(\d+)$/.exec(values['camera-size']!);
  const width = m ? Number(m[1]) : NaN;
  const height = m ? Number(m[2]) : NaN;
  if (!m || width < 16 || height < 16 || width > 1920 || height > 1080) {
    throw new UsageError(`--camera-size expects WxH between 16x16 and 1920x1080, got '${values['camera-size']}'`);
  }
  const speed = values.speed === 'max' ? 'max' : Number(values.speed);
  if (speed !== 'max' && !(speed > 0 && Number.isFinite(speed))) throw new UsageError(`--speed expects 1, max or a positive factor, got '${values.speed}'`);
  return { host: values.host!, port, task: values.task as TaskName, seed, cameras, cameraSize: { width, height }, speed };
}

export function logToConsole(level: 'debug' | 'info' | 'warn' | 'error', msg: string): void {
  if (level === 'debug' && !process.env.CELLKIT_DEBUG) return;
  (level === 'info' || level === 'debug' ? console.log : console.error)(`${new Date().toISOString()} ${level.padEnd(5)} ${msg}`);
}

export const simCommand: Command = {
  name: 'sim',
  summary: 'run the simulated UR5e cell behind a rosbridge v2 server',
  usage,
  async run(argv) {
    const args = parseSimArgs(argv);
    const sim = await SimCellServer.start({ ...args, log: logToConsole });
    console.log(
      `sim cell: task ${args.task} seed ${args.seed}, cameras ${args.cameras.join(',') || 'none'} ` +
        `${args.cameraSize.width}x${args.cameraSize.height}, speed ${args.speed}; rosbridge at ${sim.url}`,
    );
    await waitForShutdown();
    await sim.close();
    return 0;
  },
};
