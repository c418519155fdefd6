import { CELL_LAYOUT } from '../model/cellLayout.ts';
import { CartesianController, nearestEquivalentAngle, yawOf } from './CartesianController.ts';
import type { Vec3 } from './CartesianController.ts';
import { objectOrientation, objectPosition, ZERO_VELOCITY } from './expertTypes.ts';
import type { Expert, ExpertAction, ExpertObservation } from './expertTypes.ts';

/** Grasp height above the cube's centre (m); the 5 cm cube is held by its upper part. */
const GRASP_ABOVE_CENTRE = 0.015;

type Phase = 'above_cube' | 'descend' | 'close' | 'lift' | 'above_target' | 'lower' | 'release' | 'retreat' | 'done';

const SAFE_Z = CELL_LAYOUT.tableTopZ + 0.15;
/** The gripper reads ~0.3 rad on a 5 cm cube; near 0.8 means it closed on nothing. */
const HOLDING_MAX_FINGER = 0.6;

/**
 * Grasp the cube from above (closing axis square to a cube face), lift, carry
 * over the target, set it down, open, retreat. If the grasp misses, start over.
 */
export class PickPlaceExpert implements Expert {
  private readonly ctl = new CartesianController();
  private phase: Phase = 'above_cube';
  private phaseStart = 0;
  private heading = 0;
  private cube: Vec3 = [0, 0, 0];

  reset(): void {
    this.phase = 'above_cube';
    this.phaseStart = Number.NaN;
  }

  act(obs: ExpertObservation): ExpertAction {
    if (Number.isNaN(this.phaseStart)) this.phaseStart = obs.time;
    const q = obs.jointPositions;
    const elapsed = obs.time - this.phaseStart;
    const go = (phase: Phase) => {
      this.phase = phase;
      this.phaseStart = obs.time;
    };
    const move = (position: Vec3, gripper: number, maxSpeed?: number) => {
      const cmd = this.ctl.command(q, { position, heading: this.heading }, maxSpeed);
      return { cmd, action: { jointVelocities: cmd.jointVelocities, gripper, done: false } };
    };
    const hold = (gripper: number): ExpertAction => ({ jointVelocities: [...ZERO_VELOCITY], gripper, done: false });
    const target = objectPosition(obs, 'target');

    switch (this.phase) {
      case 'above_cube': {
        this.cube = objectPosition(obs, 'cube');
        const current = this.ctl.toolPose(q).heading;
        this.heading = nearestEquivalentAngle(yawOf(objectOrientation(obs, 'cube')), current, Math.PI / 2);
        const { cmd, action } = move([this.cube[0], this.cube[1], SAFE_Z], 0);
        if (cmd.positionError < 0.01 && cmd.orientationError < 0.03) go('descend');
        return action;
      }
      case 'descend': {
        // TCP GRASP_ABOVE_CENTRE over the cube's centre: fingertips ~2 cm above the
        // table. A learned policy that overshoots the grasp height by a centimetre
        // still closes on the cube instead of pressing the fingers into the table
        // (at 5 mm, every such overshoot ended on the force limit).
        const cube = objectPosition(obs, 'cube');
        const { cmd, action } = move([cube[0], cube[1], cube[2] + GRASP_ABOVE_CENTRE], 0, 0.12);
        if (cmd.positionError < 0.004) go('close');
        return action;
      }
      case 'close':
        if (elapsed > 0.6) go('lift');
        return hold(1);
      case 'lift': {
        const { cmd, action } = move([this.cube[0], this.cube[1], SAFE_Z], 1);
        if (obs.gripper > HOLDING_MAX_FINGER) go('above_cube');
        else if (cmd.positionError < 0.01) go('above_target');
        return action;
      }
      case 'above_target': {
        const { cmd, action } = move([target[0], target[1], SAFE_Z], 1);
        if (obs.gripper > HOLDING_MAX_FINGER) go('above_cube');
        else if (cmd.positionError < 0.005 && cmd.orientationError < 0.03) go('lower');
        return action;
      }
      case 'lower': {
        const restZ = CELL_LAYOUT.tableTopZ + CELL_LAYOUT.cubeHalfSize;
        const { cmd, action } = move([target[0], target[1], restZ + 0.004], 1, 0.1);
        if (cmd.positionError < 0.003) go('release');
        return action;
      }
      case 'release':
        if (elapsed > 0.5) go('retreat');
        return hold(0);
      case 'retreat': {
        const tcp = this.ctl.toolPose(q).tcp;
        const { cmd, action } = move([tcp[0], tcp[1], SAFE_Z], 0, 0.15);
        if (cmd.positionError < 0.01 || tcp[2] > SAFE_Z - 0.05) {
          go('done');
          return { jointVelocities: [...ZERO_VELOCITY], gripper: 0, done: true };
        }
        return action;
      }
      case 'done':
        return { jointVelocities: [...ZERO_VELOCITY], gripper: 0, done: true };
    }
  }
}
