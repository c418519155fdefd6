import { Service, Topic, type Ros } from 'roslib';

import type { ExpertObservation } from '../../sim/experts/index.ts';
import { SIM_SERVICES, SIM_TOPICS, fromRosTime, type ObjectPoses, type TaskStatus, type TriggerResponse } from '../../sim/index.ts';
import { connectRos } from '../ros/connectRos.ts';

/**
 * The sim-only side of a scripted demonstration, straight to the sim over
 * its own roslib client (these are labels and privileged observations, not
 * robot data, so they never pass the bridge): `/cell/reset`, the object
 * poses the expert needs, and `/cell/task_status` for the outcome.
 *
 * One socket carries the reset's answer and the topics, in order: a pose or
 * status received after the answer was published after the reset.
 */
export class SimTaskChannel {
  /** Object poses since the last reset; undefined until the first arrives. */
  objects?: ExpertObservation['objects'];
  /** Sim stamp (epoch s) of the first status reporting success since the last reset. */
  successAt?: number;
  /** Latest progress 0..1 reported since the last reset. */
  progress = 0;
  #task?: string;
  #afterReset = false;
  #waiters = new Set<() => void>();
  readonly #poses: Topic<ObjectPoses>;
  readonly #status: Topic<TaskStatus>;
  readonly #reset: Service<{ task: string; seed: number }, TriggerResponse>;
  readonly #disturb: Service<{ sigma: number; tau: number; seed: number }, TriggerResponse>;

  private constructor(readonly ros: Ros) {
    this.#poses = new Topic<ObjectPoses>({ ros, name: SIM_TOPICS.objectPoses.name, messageType: SIM_TOPICS.objectPoses.type });
    this.#status = new Topic<TaskStatus>({ ros, name: SIM_TOPICS.taskStatus.name, messageType: SIM_TOPICS.taskStatus.type });
    this.#reset = new Service({ ros, name: SIM_SERVICES.reset.name, serviceType: SIM_SERVICES.reset.type });
    this.#disturb = new Service({ ros, name: SIM_SERVICES.setDisturbance.name, serviceType: SIM_SERVICES.setDisturbance.type });
    this.#poses.subscribe((m) => {
      if (!this.#afterReset) return;
      this.objects = m.names.map((name, i) => {
        const p = m.poses[i]!;
        return {
          name,
          position: [p.position.x, p.position.y, p.position.z] as [number, number, number],
          orientation: [p.orientation.x, p.orientation.y, p.orientation.z, p.orientation.w] as [number, number, number, number],
        };
      });
      this.#wake();
    });
    this.#status.subscribe((m) => {
      if (!this.#afterReset || m.task !== this.#task) return;
      this.progress = m.progress;
      if (m.success && this.successAt === undefined) this.successAt = fromRosTime(m.header.stamp);
    });
  }

  static async connect(url: string): Promise<SimTaskChannel> {
    return new SimTaskChannel(await connectRos(url));
  }

  /**
   * Until the next reset the arm tracks velocity commands with a correlated
   * error of std `sigma` rad/s (sim only; see the sim's VelocityDisturbance).
   */
  async setDisturbance(sigma: number, seed: number, tau = 0.3): Promise<void> {
    const name = SIM_SERVICES.setDisturbance.name;
    const answer = await new Promise<TriggerResponse>((resolve, reject) =>
      this.#disturb.callService({ sigma, tau, seed }, resolve, (e) => reject(new Error(`${name} failed: ${e}; expected the cellkit sim's disturbance service (a real cell has none: --noise is for the sim)`))),
    );
    if (!answer.success) throw new Error(`${name} refused σ ${sigma}: ${answer.message}`);
  }

  /** Lays out `task` with `seed` and resolves once the new layout's object poses arrived. */
  async reset(task: string, seed: number, timeoutMs = 10_000): Promise<void> {
    this.#afterReset = false;
    this.#task = task;
    this.objects = undefined;
    this.successAt = undefined;
    this.progress = 0;
    const answer = await new Promise<TriggerResponse>((resolve, reject) =>
      this.#reset.callService({ task, seed }, resolve, (e) => reject(new Error(`${SIM_SERVICES.reset.name} failed: ${e}; expected the sim cell's reset service — is --sim-url a cellkit sim?`))),
    );
    if (!answer.success) throw new Error(`${SIM_SERVICES.reset.name} refused ${task} seed ${seed}: ${answer.message}`);
    this.#afterReset = true;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(done);
        reject(new Error(`no ${SIM_TOPICS.objectPoses.name} within ${timeoutMs} ms of the reset; expected them at ${SIM_TOPICS.objectPoses.rateHz} Hz — is the sim running?`));
      }, timeoutMs);
      const done = (): void => {
        if (!this.objects) return;
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve();
      };
      this.#waiters.add(done);
    });
  }

  close(): void {
    this.#poses.unsubscribe();
    this.#status.unsubscribe();
    this.ros.close();
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
  }
}
