import { fromLeaseChange, fromSafetyEvent, type RecordingSource, type RecordingSourceEvents, type RecordingSourceKind } from '@cellkit/recorder/core';

import type { CellConnection } from '../cell/Cell.ts';
import type { ControlOutput, ControllerEvents } from '../control/index.ts';

/** The part of `CellController` recording needs: the command sent each tick, safety events, lease changes, the cell clock. */
export interface RecordedControl {
  on<K extends keyof ControllerEvents>(event: K, listener: ControllerEvents[K]): () => void;
  status(): { cellTime?: number };
}

export interface CellRecordingSourceOptions {
  connection: Pick<CellConnection, 'on'>;
  control: RecordedControl;
  /** Receive clock for actions and events, epoch s. Default `Date.now() / 1000`. */
  now?: () => number;
}

/**
 * The bridge's streams as the recorder's `RecordingSource`: joints, wrench,
 * cameras and status straight from the cell connection; the action is the
 * controller's `output` — the command the safety layer actually handed to
 * the cell on each tick, never the request; events are the safety layer's
 * clamps, refusals and stops plus lease changes.
 */
export class CellRecordingSource implements RecordingSource {
  readonly #connection: Pick<CellConnection, 'on'>;
  readonly #control: RecordedControl;
  readonly #now: () => number;

  constructor(options: CellRecordingSourceOptions) {
    this.#connection = options.connection;
    this.#control = options.control;
    this.#now = options.now ?? (() => Date.now() / 1000);
  }

  on<K extends RecordingSourceKind>(kind: K, listener: RecordingSourceEvents[K]): () => void {
    // Each branch narrows `listener` by hand: TypeScript does not correlate K across the switch.
    switch (kind) {
      case 'joints':
      case 'wrench':
      case 'camera':
      case 'status':
        // The canonical cell samples already have the recorder's shapes (RecordingSource.ts mirrors Cell.ts).
        return this.#connection.on(kind, listener as never);
      case 'action': {
        const onAction = listener as RecordingSourceEvents['action'];
        return this.#control.on('output', (o: ControlOutput) =>
          onAction({
            velocities: o.velocities,
            gripper: o.gripper,
            stamp: o.stamp,
            source: o.source,
            stop: o.stop,
            limited: o.limited,
            sent: o.sent,
            receivedAt: this.#now(),
          }),
        );
      }
      case 'event': {
        const onEvent = listener as RecordingSourceEvents['event'];
        const offSafety = this.#control.on('event', (e) => onEvent({ ...fromSafetyEvent(e), receivedAt: this.#now() }));
        const offLease = this.#control.on('lease', (holder) => {
          const now = this.#now();
          // On the cell's clock like every other stamp; before the first joint sample the bridge's.
          onEvent({ ...fromLeaseChange(holder, this.#control.status().cellTime ?? now), receivedAt: now });
        });
        return () => {
          offSafety();
          offLease();
        };
      }
      default:
        throw new Error(`CellRecordingSource: expected one of joints, wrench, camera, status, action, event; found ${String(kind)}`);
    }
  }
}
