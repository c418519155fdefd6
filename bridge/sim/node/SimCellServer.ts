import { RosbridgeServer } from '../rosbridge/RosbridgeServer.ts';
import { SimCell, type TaskName } from '../cell/SimCell.ts';
import { CameraRig } from '../render/CameraRig.ts';
import { SimRosNode } from './SimRosNode.ts';
import { SimRunner, type SimSpeed } from './SimRunner.ts';
import { SIM_MESSAGE_DEFINITIONS, SIM_SERVICE_DEFINITIONS } from './simMessageDefinitions.ts';

export interface SimCellServerOptions {
  host?: string; // default 127.0.0.1
  port?: number; // default 9090; 0 picks a free port
  task?: TaskName; // default 'pick_place'
  seed?: number; // default 0
  cameras?: string[]; // default ['scene', 'wrist']; [] for none
  cameraSize?: { width: number; height: number }; // default 160×120
  speed?: SimSpeed; // default 1
  log?: (level: 'info' | 'warn' | 'error', msg: string) => void;
}

/**
 * The whole simulated cell: MuJoCo physics, cameras rendered in a worker, and
 * a rosbridge v2 server on which it looks like a UR5e running ur_robot_driver.
 */
export class SimCellServer {
  private constructor(
    readonly cell: SimCell,
    readonly server: RosbridgeServer,
    readonly node: SimRosNode,
    readonly runner: SimRunner,
    private readonly rig: CameraRig | undefined,
  ) {}

  get url(): string {
    return this.server.url;
  }

  static async start(opts: SimCellServerOptions = {}): Promise<SimCellServer> {
    const cameras = opts.cameras ?? ['scene', 'wrist'];
    const size = opts.cameraSize ?? { width: 160, height: 120 };
    const cell = await SimCell.create({ task: opts.task ?? 'pick_place', seed: opts.seed ?? 0 });
    let rig: CameraRig | undefined;
    let server: RosbridgeServer | undefined;
    try {
      rig = cameras.length
        ? await CameraRig.create({ xml: cell.xml, cameras: cameras.map((name) => ({ name, ...size })) })
        : undefined;
      server = await RosbridgeServer.start({
        host: opts.host ?? '127.0.0.1',
        port: opts.port ?? 9090,
        messageDefinitions: SIM_MESSAGE_DEFINITIONS,
        serviceDefinitions: SIM_SERVICE_DEFINITIONS,
        log: opts.log,
      });
    } catch (err) {
      await rig?.close();
      cell.close();
      throw err;
    }
    const node = new SimRosNode({ server, cell, cameras, epoch: Date.now() / 1000 - cell.time, log: opts.log });
    const runner = new SimRunner({ cell, node, cameras: rig, cameraNames: cameras, speed: opts.speed ?? 1, log: opts.log });
    runner.start();
    return new SimCellServer(cell, server, node, runner, rig);
  }

  async close(): Promise<void> {
    await this.runner.stop();
    await this.server.close();
    await this.rig?.close();
    this.cell.close();
  }
}
