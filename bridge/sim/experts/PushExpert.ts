import { CELL_LAYOUT } from '../model/cellLayout.ts';
import { CartesianController, nearestEquivalentAngle } from './CartesianController.ts';
import type { Vec3 } from './CartesianController.ts';
import { objectPosition, ZERO_VELOCITY } from './expertTypes.ts';
import type { Expert, ExpertAction, ExpertObservation } from './expertTypes.ts';

type Phase = 'lift' | 'over' | 'descend' | 'push' | 'retreat' | 'done';

const SAFE_Z = CELL_LAYOUT.tableTopZ + 0.12;
/** TCP height while pushing: fingertips 1 cm above the table. */
const PUSH_Z = CELL_LAYOUT.tableTopZ + CELL_LAYOUT.tcpToFingertip + 0.01;
/**
 * Mostly closed gripper: the fingers leave a 1.6 cm gap, so they push the cube
 * at two points 4 cm apart (steadier than one finger face) and a cube corner
 * cannot slip far between them.
 */
const PUSH_GRIPPER = 0.8;
const FINGER_HALF_DEPTH = CELL_LAYOUT.fingerHalfSize[1];
/** Pre-push standoff behind the cube centre: a rotated cube's half diagonal, the finger, and clearance. */
const STANDOFF = CELL_LAYOUT.cubeHalfSize * Math.SQRT2 + FINGER_HALF_DEPTH + 0.025;
const CONTACT = CELL_LAYOUT.cubeHalfSize + FINGER_HALF_DEPTH;
const DONE_DISTANCE = 0.015;

/**
 * Closed-loop pushing: stand behind the cube on the goal→cube line, then push
 * along it, re-aiming every tick at the line through the cube's current centre.
 * If the cube slips off the fingers (too far sideways), lift and re-approach.
 */
export class PushExpert implements Expert {
  private readonly ctl = new CartesianController();
  private phase: Phase = 'over';
  private heading = 0;
  private approach: Vec3 = [0, 0, 0];

  reset(): void {
    this.phase = 'over';
  }

  act(obs: ExpertObservation): ExpertAction {
    const q = obs.jointPositions;
    const cube = objectPosition(obs, 'cube');
    const goal = objectPosition(obs, 'goal');
    const toGoal = [goal[0] - cube[0], goal[1] - cube[1]];
    const dist = Math.hypot(toGoal[0], toGoal[1]);
    const d = dist > 1e-6 ? [toGoal[0] / dist, toGoal[1] / dist] : [1, 0];
    const pose = this.ctl.toolPose(q);
    const move = (position: Vec3, maxSpeed?: number) => this.ctl.command(q, { position, heading: this.heading }, maxSpeed);
    const act = (cmd: { jointVelocities: number[] }): ExpertAction => ({ jointVelocities: cmd.jointVelocities, gripper: PUSH_GRIPPER, done: false });

    if (this.phase !== 'retreat' && this.phase !== 'done' && dist < DONE_DISTANCE) this.phase = 'retreat';

    switch (this.phase) {
      case 'lift': {
        const cmd = move([pose.tcp[0], pose.tcp[1], SAFE_Z]);
        if (cmd.positionError < 0.01) this.phase = 'over';
        return act(cmd);
      }
      case 'over': {
        // Closing axis across the push direction: the fingers' broad side faces the cube.
        this.heading = nearestEquivalentAngle(Math.atan2(d[1], d[0]) + Math.PI / 2, pose.heading, Math.PI);
        this.approach = [cube[0] - d[0] * STANDOFF, cube[1] - d[1] * STANDOFF, SAFE_Z];
        const cmd = move(this.approach);
        if (cmd.positionError < 0.01 && cmd.orientationError < 0.03) this.phase = 'descend';
        return act(cmd);
      }
      case 'descend': {
        const cmd = move([this.approach[0], this.approach[1], PUSH_Z], 0.15);
        if (cmd.positionError < 0.005) this.phase = 'push';
        return act(cmd);
      }
      case 'push': {
        // Where the pusher is relative to the cube, along and across the push line.
        const rx = pose.tcp[0] - cube[0];
        const ry = pose.tcp[1] - cube[1];
        const along = rx * d[0] + ry * d[1];
        const across = -rx * d[1] + ry * d[0];
        if (Math.abs(across) > 0.025 || along > -0.015) {
          this.phase = 'lift';
          return act(move([pose.tcp[0], pose.tcp[1], SAFE_Z]));
        }
        this.heading = nearestEquivalentAngle(Math.atan2(d[1], d[0]) + Math.PI / 2, pose.heading, Math.PI);
        // Aim a little past the contact point on the line so the P controller pushes forward,
        // slower as the goal nears so the cube does not slide past it.
        const lead = Math.min(0.03, dist + 0.005);
        const aim: Vec3 = [cube[0] - d[0] * (CONTACT - lead), cube[1] - d[1] * (CONTACT - lead), PUSH_Z];
        return act(move(aim, 0.1));
      }
      case 'retreat': {
        const cmd = move([pose.tcp[0] - d[0] * 0.0, pose.tcp[1] - d[1] * 0.0, SAFE_Z], 0.15);
        if (pose.tcp[2] > PUSH_Z + 0.05) {
          this.phase = 'done';
          return { jointVelocities: [...ZERO_VELOCITY], gripper: PUSH_GRIPPER, done: true };
        }
        return act(cmd);
      }
      case 'done':
        return { jointVelocities: [...ZERO_VELOCITY], gripper: PUSH_GRIPPER, done: true };
    }
  }
}
