import type { RosbridgeServer } from '../rosbridge/RosbridgeServer.ts';
import type { SimCell, TaskName } from '../cell/SimCell.ts';
import {
  SAFETY_MODE,
  header,
  type Bool,
  type CompressedImage,
  type Float64,
  type Float64MultiArray,
  type JointState,
  type ObjectPoses,
  type ResetCellRequest,
  type SetDisturbanceRequest,
  type SafetyMode,
  type TaskStatus,
  type TriggerResponse,
  type WrenchStamped,
} from './rosMessages.ts';
import { CAMERA_TYPE, SIM_SERVICES, SIM_TOPICS, UR_SERVICES, UR_TOPICS, cameraTopic } from './urTopics.ts';

const TASKS: readonly TaskName[] = ['reach', 'push', 'pick_place'];

export interface SimRosNodeOptions {
  server: RosbridgeServer;
  cell: SimCell;
  /** Camera names served on `/camera/<name>/image_raw/compressed`. */
  cameras: string[];
  /** Epoch seconds at sim time 0: stamps are `epoch + cell.time`. */
  epoch: number;
  log?: (level: 'info' | 'warn' | 'error', msg: string) => void;
}

/** Counters a benchmark or test reads to compare published with received. */
export interface SimPublishCounts {
  jointStates: number;
  wrench: number;
  speedScaling: number;
  cameras: Record<string, number>;
  commandsApplied: number;
  commandsRejected: number;
}

/**
 * The ROS face of the sim cell: what `ur_robot_driver` + `rosbridge_server`
 * would show a client. Publishes state after each physics step at the real
 * driver's rates (derived from the 2 ms step count, so rates hold in sim
 * time at any speed) and feeds command topics and services into the cell.
 */
export class SimRosNode {
  readonly counts: SimPublishCounts;
  private readonly opts: SimRosNodeOptions;
  private readonly pub;
  private readonly cameraPubs = new Map<string, ReturnType<RosbridgeServer['advertise']>>();
  private steps = 0;
  private lastSafetyMode = -1;
  /** Like the UR's program state: after `/dashboard_client/stop`, commands are ignored until `play`. */
  private programRunning = true;
  private readonly jointFrame = '';

  constructor(opts: SimRosNodeOptions) {
    this.opts = opts;
    const { server } = opts;
    this.counts = {
      jointStates: 0,
      wrench: 0,
      speedScaling: 0,
      cameras: Object.fromEntries(opts.cameras.map((c) => [c, 0])),
      commandsApplied: 0,
      commandsRejected: 0,
    };
    this.pub = {
      jointStates: server.advertise<JointState>(UR_TOPICS.jointStates.name, UR_TOPICS.jointStates.type),
      wrench: server.advertise<WrenchStamped>(UR_TOPICS.wrench.name, UR_TOPICS.wrench.type),
      safetyMode: server.advertise<SafetyMode>(UR_TOPICS.safetyMode.name, UR_TOPICS.safetyMode.type, { latched: true }),
      programRunning: server.advertise<Bool>(UR_TOPICS.programRunning.name, UR_TOPICS.programRunning.type, {
        latched: true,
      }),
      speedScaling: server.advertise<Float64>(UR_TOPICS.speedScaling.name, UR_TOPICS.speedScaling.type),
      taskStatus: server.advertise<TaskStatus>(SIM_TOPICS.taskStatus.name, SIM_TOPICS.taskStatus.type),
      objectPoses: server.advertise<ObjectPoses>(SIM_TOPICS.objectPoses.name, SIM_TOPICS.objectPoses.type),
    };
    for (const name of opts.cameras) {
      this.cameraPubs.set(name, server.advertise<CompressedImage>(cameraTopic(name), CAMERA_TYPE));
    }

    server.subscribe<Float64MultiArray>(UR_TOPICS.velocityCommand.name, UR_TOPICS.velocityCommand.type, (msg) =>
      this.onVelocityCommand(msg),
    );
    server.subscribe<Float64MultiArray>(UR_TOPICS.gripperCommand.name, UR_TOPICS.gripperCommand.type, (msg) =>
      this.onGripperCommand(msg),
    );
    server.advertiseService<object, TriggerResponse>(UR_SERVICES.stop.name, UR_SERVICES.stop.type, () => {
      this.setProgramRunning(false);
      return { success: true, message: 'Stopping program' };
    });
    server.advertiseService<object, TriggerResponse>(UR_SERVICES.play.name, UR_SERVICES.play.type, () => {
      this.setProgramRunning(true);
      return { success: true, message: 'Starting program' };
    });
    server.advertiseService<object, TriggerResponse>(
      UR_SERVICES.unlockProtectiveStop.name,
      UR_SERVICES.unlockProtectiveStop.type,
      () => {
        const result = opts.cell.unlockProtectiveStop();
        this.publishSafetyModeIfChanged();
        return result;
      },
    );
    server.advertiseService<ResetCellRequest, TriggerResponse>(SIM_SERVICES.reset.name, SIM_SERVICES.reset.type, (req) =>
      this.onReset(req),
    );
    server.advertiseService<SetDisturbanceRequest, TriggerResponse>(SIM_SERVICES.setDisturbance.name, SIM_SERVICES.setDisturbance.type, (req) =>
      this.onSetDisturbance(req),
    );
    this.pub.programRunning.publish({ data: true });
    this.publishSafetyModeIfChanged();
  }

  /** Stamp for the current sim time, seconds since the epoch. */
  now(): number {
    return this.opts.epoch + this.opts.cell.time;
  }

  /** Publish what is due after one 2 ms physics step. */
  afterStep(): void {
    const { cell } = this.opts;
    const n = this.steps++;
    const stamp = this.now();
    // 500 Hz: every step.
    if (this.pub.jointStates.subscriberCount > 0) {
      const js = cell.jointState();
      this.pub.jointStates.publish({ header: header(stamp, this.jointFrame), ...js });
    }
    this.counts.jointStates++;
    if (this.pub.wrench.subscriberCount > 0) {
      const w = cell.wrench();
      this.pub.wrench.publish({
        header: header(stamp, 'tool0'),
        wrench: {
          force: { x: w.force[0], y: w.force[1], z: w.force[2] },
          torque: { x: w.torque[0], y: w.torque[1], z: w.torque[2] },
        },
      });
    }
    this.counts.wrench++;
    // 100 Hz speed scaling, in percent as ur_controllers' broadcaster publishes it.
    if (n % 5 === 0) {
      this.pub.speedScaling.publish({ data: 100.0 });
      this.counts.speedScaling++;
    }
    if (n % 10 === 0 && this.pub.objectPoses.subscriberCount > 0) this.publishObjectPoses(stamp);
    if (n % 50 === 0 && this.pub.taskStatus.subscriberCount > 0) {
      const s = cell.taskStatus();
      this.pub.taskStatus.publish({ header: header(stamp, ''), task: s.task, success: s.success, progress: s.progress });
    }
    this.publishSafetyModeIfChanged();
  }

  publishCameraFrame(name: string, stamp: number, jpeg: Uint8Array): void {
    const pub = this.cameraPubs.get(name);
    if (!pub) return;
    pub.publish({ header: header(stamp, `${name}_camera_optical_frame`), format: 'jpeg', data: jpeg });
    this.counts.cameras[name]++;
  }

  /** True when any client watches camera `name`: rendering is skipped otherwise. */
  cameraWanted(name: string): boolean {
    return (this.cameraPubs.get(name)?.subscriberCount ?? 0) > 0;
  }

  private publishObjectPoses(stamp: number): void {
    const objects = this.opts.cell.objectPoses();
    this.pub.objectPoses.publish({
      header: header(stamp, 'base'),
      names: objects.map((o) => o.name),
      poses: objects.map((o) => ({
        position: { x: o.position[0], y: o.position[1], z: o.position[2] },
        orientation: { x: o.orientation[0], y: o.orientation[1], z: o.orientation[2], w: o.orientation[3] },
      })),
    });
  }

  private publishSafetyModeIfChanged(): void {
    const mode = this.opts.cell.safetyMode();
    if (mode === this.lastSafetyMode) return;
    this.lastSafetyMode = mode;
    this.pub.safetyMode.publish({ mode });
    if (mode !== SAFETY_MODE.NORMAL) this.log('warn', `safety mode ${mode} (3 = protective stop)`);
  }

  private setProgramRunning(running: boolean): void {
    if (!running) this.opts.cell.setJointVelocityCommand([0, 0, 0, 0, 0, 0]);
    this.programRunning = running;
    this.pub.programRunning.publish({ data: running });
  }

  private onVelocityCommand(msg: Float64MultiArray): void {
    const data = (msg as { data?: unknown }).data;
    const ok =
      this.programRunning &&
      Array.isArray(data) &&
      data.every((v) => typeof v === 'number') &&
      this.opts.cell.setJointVelocityCommand(data as number[]);
    if (ok) this.counts.commandsApplied++;
    else {
      this.counts.commandsRejected++;
      // The real controller drops such a command silently; a log line helps whoever debugs the client.
      if (this.counts.commandsRejected <= 5 || this.counts.commandsRejected % 1000 === 0) {
        this.log('warn', `${UR_TOPICS.velocityCommand.name}: dropped command: ${this.rejectReason(data)}; ${this.counts.commandsRejected} dropped so far`);
      }
    }
  }

  private rejectReason(data: unknown): string {
    if (!this.programRunning) return 'the program is stopped; call /dashboard_client/play';
    if (this.opts.cell.safetyMode() !== SAFETY_MODE.NORMAL) {
      return `protective stop (${this.opts.cell.protectiveStopReason()}); clear the cause, then call /dashboard_client/unlock_protective_stop`;
    }
    return `expected data with 6 finite numbers, got ${JSON.stringify(data)?.slice(0, 80)}`;
  }

  private onGripperCommand(msg: Float64MultiArray): void {
    const data = (msg as { data?: unknown }).data;
    if (!this.programRunning || !Array.isArray(data) || data.length !== 1 || typeof data[0] !== 'number') {
      this.log('warn', `${UR_TOPICS.gripperCommand.name}: dropped command (expected data: [x] with x in 0..1)`);
      return;
    }
    this.opts.cell.setGripperCommand(data[0]);
  }

  private onReset(req: ResetCellRequest): TriggerResponse {
    const task = req?.task === undefined || req.task === '' ? undefined : req.task;
    if (task !== undefined && !TASKS.includes(task as TaskName)) {
      return { success: false, message: `unknown task '${task}'; expected one of ${TASKS.join(', ')}` };
    }
    const seed = req?.seed;
    if (seed !== undefined && (typeof seed !== 'number' || !Number.isInteger(seed))) {
      return { success: false, message: `seed must be an integer, got ${JSON.stringify(seed)}` };
    }
    this.opts.cell.reset({ task: task as TaskName | undefined, seed });
    this.publishSafetyModeIfChanged();
    const s = this.opts.cell.taskStatus();
    return { success: true, message: `reset task ${s.task} seed ${seed ?? 'unchanged'}` };
  }

  private onSetDisturbance(req: SetDisturbanceRequest): TriggerResponse {
    const sigma = req?.sigma ?? 0;
    const tau = req?.tau === undefined || req.tau === 0 ? 0.3 : req.tau;
    const seed = req?.seed ?? 0;
    if (typeof sigma !== 'number' || !(sigma >= 0 && sigma <= 1)) return { success: false, message: `sigma must be a std in rad/s in [0, 1], got ${JSON.stringify(sigma)}` };
    if (typeof tau !== 'number' || !(tau > 0 && tau <= 10)) return { success: false, message: `tau must be a correlation time in s in (0, 10] (0 = the default 0.3), got ${JSON.stringify(tau)}` };
    if (typeof seed !== 'number' || !Number.isInteger(seed)) return { success: false, message: `seed must be an integer, got ${JSON.stringify(seed)}` };
    this.opts.cell.setDisturbance({ sigma, tau, seed });
    return { success: true, message: sigma > 0 ? `velocity disturbance σ ${sigma} rad/s, τ ${tau} s, seed ${seed} until the next reset` : 'no velocity disturbance' };
  }

  private log(level: 'info' | 'warn' | 'error', msg: string): void {
    this.opts.log?.(level, `[sim] ${msg}`);
  }
}
