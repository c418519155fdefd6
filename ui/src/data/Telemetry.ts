/**
 * The high-rate side: ring buffers of joint positions, velocities, gripper
 * and wrench at the cell's native rate (every sample of every batch), for
 * plots, the 3D view and readouts to read on their own animation frames.
 */
import type { TelemetryMessage } from '@cellkit/bridge/protocol';
import { TimeSeries } from './TimeSeries.ts';

export interface TelemetryOptions {
  /** Samples kept per stream. Default 8192: ~16 s at 500 Hz. */
  capacity?: number;
}

export class Telemetry {
  private readonly capacity: number;
  positions: TimeSeries;
  velocities: TimeSeries;
  gripper: TimeSeries;
  /** force x, y, z (N), torque x, y, z (N·m). */
  wrench: TimeSeries;
  /** Samples the bridge dropped for us because we read too slowly. */
  dropped = { joints: 0, wrench: 0 };

  constructor(opts: TelemetryOptions = {}) {
    this.capacity = opts.capacity ?? 8192;
    this.positions = new TimeSeries({ channels: 1, capacity: this.capacity });
    this.velocities = new TimeSeries({ channels: 1, capacity: this.capacity });
    this.gripper = new TimeSeries({ channels: 1, capacity: this.capacity });
    this.wrench = new TimeSeries({ channels: 6, capacity: this.capacity });
  }

  get joints(): number {
    return this.positions.channels;
  }

  /** (Re)sizes for the cell's joint count; called on every welcome, clears old data. */
  reset(joints: number): void {
    this.positions = new TimeSeries({ channels: joints, capacity: this.capacity });
    this.velocities = new TimeSeries({ channels: joints, capacity: this.capacity });
    this.gripper = new TimeSeries({ channels: 1, capacity: this.capacity });
    this.wrench = new TimeSeries({ channels: 6, capacity: this.capacity });
    this.dropped = { joints: 0, wrench: 0 };
  }

  ingest(msg: TelemetryMessage): void {
    for (const s of msg.joints) {
      this.positions.push(s.stamp, s.position);
      this.velocities.push(s.stamp, s.velocity);
      if (typeof s.gripper === 'number') this.gripper.push(s.stamp, [s.gripper]);
    }
    const w = new Float64Array(6);
    for (const s of msg.wrench) {
      w[0] = s.force[0];
      w[1] = s.force[1];
      w[2] = s.force[2];
      w[3] = s.torque[0];
      w[4] = s.torque[1];
      w[5] = s.torque[2];
      this.wrench.push(s.stamp, w);
    }
    if (msg.dropped) {
      this.dropped.joints += msg.dropped.joints;
      this.dropped.wrench += msg.dropped.wrench;
    }
  }
}
