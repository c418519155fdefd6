import { CartesianController } from './CartesianController.ts';
import { objectPosition, ZERO_VELOCITY } from './expertTypes.ts';
import type { Expert, ExpertAction, ExpertObservation } from './expertTypes.ts';

/** Moves the TCP onto the target marker, tool down, keeping the heading it started with. */
export class ReachExpert implements Expert {
  private readonly ctl = new CartesianController();
  private heading: number | undefined;
  private finished = false;

  reset(): void {
    this.heading = undefined;
    this.finished = false;
  }

  act(obs: ExpertObservation): ExpertAction {
    if (this.finished) return { jointVelocities: [...ZERO_VELOCITY], gripper: 0, done: true };
    this.heading ??= this.ctl.toolPose(obs.jointPositions).heading;
    const target = objectPosition(obs, 'target');
    const cmd = this.ctl.command(obs.jointPositions, { position: target, heading: this.heading });
    // Within 5 mm (the task accepts 2 cm): stop there.
    if (cmd.positionError < 0.005) {
      this.finished = true;
      return { jointVelocities: [...ZERO_VELOCITY], gripper: 0, done: true };
    }
    return { jointVelocities: cmd.jointVelocities, gripper: 0, done: false };
  }
}
