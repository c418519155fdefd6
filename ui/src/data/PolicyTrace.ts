/**
 * Predicted vs executed joint velocities of the running policy, as ring
 * buffers for the Deploy page's plots. Fed from `policy` messages (a few a
 * second): one sample per new step, stamped with the step's cell-clock time.
 * Channels 0..n-1 are the policy's predicted joint velocities (rad/s, before
 * speedScale), n..2n-1 what the safety layer actually sent on its latest
 * tick. A new run (steps going back, or another policy) clears the buffers.
 */
import type { PolicyMessage } from '@cellkit/bridge/protocol';
import { TimeSeries } from './TimeSeries.ts';

export interface PolicyTraceOptions {
  /** Samples kept. Default 600 (two minutes at 5 Hz). */
  capacity?: number;
}

export class PolicyTrace {
  private readonly capacity: number;
  /** 2 × joints channels: predicted then executed. */
  series: TimeSeries;
  private lastSteps = -1;
  private lastPolicy: string | undefined;

  constructor(opts: PolicyTraceOptions = {}) {
    this.capacity = opts.capacity ?? 600;
    this.series = new TimeSeries({ channels: 2, capacity: this.capacity });
  }

  /** Joints per half of the channels. */
  get joints(): number {
    return this.series.channels / 2;
  }

  /** (Re)sizes for the cell's joint count; called on every welcome. */
  reset(joints: number): void {
    this.series = new TimeSeries({ channels: 2 * Math.max(1, joints), capacity: this.capacity });
    this.lastSteps = -1;
    this.lastPolicy = undefined;
  }

  /**
   * Takes one `policy` message. The predicted joint velocities are the
   * outputs whose names are not the gripper's (the manifest order labels
   * them); a message without a new step adds nothing.
   */
  ingest(msg: PolicyMessage): boolean {
    if (msg.steps < this.lastSteps || msg.policy !== this.lastPolicy) {
      if (this.series.size > 0) this.series.clear();
      this.lastSteps = -1;
      this.lastPolicy = msg.policy;
    }
    if (msg.steps === this.lastSteps || msg.lastStepAt === undefined || !msg.predicted) return false;
    this.lastSteps = msg.steps;
    const n = this.joints;
    const sample = new Array<number>(2 * n).fill(Number.NaN);
    const velocities = jointVelocityOutputs(msg.actionNames, msg.predicted);
    for (let j = 0; j < n && j < velocities.length; j++) sample[j] = velocities[j]!;
    const executed = msg.executed?.velocities ?? [];
    for (let j = 0; j < n && j < executed.length; j++) sample[n + j] = executed[j]!;
    return this.series.push(msg.lastStepAt, sample);
  }
}

/** The predicted outputs that are joint velocities, in order (the gripper output, if any, is left out). */
export function jointVelocityOutputs(names: string[] | undefined, predicted: number[]): number[] {
  if (!names || names.length !== predicted.length) return predicted;
  return predicted.filter((_, i) => !/gripper/i.test(names[i]!));
}
