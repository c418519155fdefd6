import { CELL_LAYOUT } from '../model/cellLayout.ts';
import { CartesianController, nearestEquivalentAngle, yawOf } from './CartesianController.ts';
import type { Vec3 } from './CartesianController.ts';
import { objectOrientation, objectPosition, ZERO_VELOCITY } from './expertTypes.ts';
import type { Expert, ExpertAction, ExpertObservation } from './expertTypes.ts';
import { mulberry32 } from '../tasks/mulberry32.ts';

/** Grasp height above the cube's centre (m); the 5 cm cube is held by its upper part. */
const GRASP_ABOVE_CENTRE = 0.015;

type Phase = 'above_cube' | 'descend' | 'close' | 'lift' | 'back_up' | 'above_target' | 'lower' | 'release' | 'retreat' | 'done';

const SAFE_Z = CELL_LAYOUT.tableTopZ + 0.15;
/**
 * The cube is let go with its centre this far (m) above resting on the table: the
 * release is a clear event in the air, before the fingers come near the table. (The old
 * set-down put the tool point 4 mm above the cube's resting centre; the cube, held
 * ~1.5 cm below the tool point, was pushed ~1 cm up through the fingers in every demo,
 * at ~12 N, so the demos' release frames showed the tool still going down onto the
 * table.) A 1.2 cm drop of the 5 cm cube lands flat.
 */
const RELEASE_ABOVE_REST = 0.012;
/** The gripper reads ~0.3 rad on a 5 cm cube; near 0.8 means it closed on nothing. */
const HOLDING_MAX_FINGER = 0.6;
/** Above this the fingers touch the cube (the reading passes ~0.4 within 40 ms of the close command, then settles near 0.34). */
const FINGER_CONTACT = 0.25;
/** Below this after a release the fingers have let go. */
const FINGER_OPEN = 0.1;
/**
 * Speed floors (m/s) of the moves, so that no phase ends in a long near-zero crawl: the
 * imitation labels stay clearly non-zero until a phase's goal is reached (a learned policy
 * trained on a P controller's exponential tail learned to hover with "almost still").
 */
const MIN_SPEED = 0.04;
/** Tool speed (m/s) while the fingers close (down until they touch, then up) and open (up). */
const GRASP_CREEP = 0.015;
/**
 * Seconds of the close and release phases. The fingers touch the cube within ~40 ms and
 * open as fast, but a longer phase (creeping, never still) keeps the grasp and the release
 * well represented in the demos a policy learns from. Off the 50 Hz tick grid, so that
 * rounding in the running clock cannot shift a phase by a tick.
 */
const CLOSE_TIME = 0.59;
const RELEASE_TIME = 0.29;
/**
 * Height within `dz` and sideways within `dxy` (m) of `goal`. The grasp and the release are
 * decided by height: with tracking noise (demo --noise) a 3D threshold of a few mm left the
 * tool hovering over the cube for up to 2 s of small sideways corrections, gripper open —
 * what the learned policies did at run time. The fingers tolerate a centimetre sideways.
 */
function reached(tcp: Vec3, goal: Vec3, dz: number, dxy: number): boolean {
  return Math.abs(goal[2] - tcp[2]) < dz && Math.hypot(goal[0] - tcp[0], goal[1] - tcp[1]) < dxy;
}

/**
 * Sideways offset (m, across the fingers) of a fumbled first grasp: the fingers
 * (1.1 cm half-width, 4 cm open half-gap) pass beside the 5 cm cube and close on nothing.
 */
export const FUMBLE_OFFSET = 0.045;

/** Sideways offset range (m) of a nudged approach, any direction; the correction starts NUDGE_SWITCH_HEIGHT above the grasp point. */
export const NUDGE_OFFSET: readonly [number, number] = [0.02, 0.04];
/** Height above the grasp point (m) where a nudged approach turns to the cube: the demos then show the correction on the way down. */
export const NUDGE_SWITCH_HEIGHT = 0.06;
/** ExpertAction.perturbation of a nudged approach's commands (until it turns to the cube). */
export const NUDGE_PERTURBATION = 'nudged approach, aimed beside the cube on purpose';

/** ExpertAction.perturbation of the fumbled attempt's commands: imitating them would teach aiming beside the cube. */
export const FUMBLE_PERTURBATION = 'fumbled first grasp, aimed beside the cube on purpose';

export interface PickPlaceExpertOptions {
  /**
   * Probability (0..1) that the episode's first grasp is aimed FUMBLE_OFFSET beside the
   * cube. The expert then sees the empty grip (finger reading near closed), opens, goes
   * back up over the cube and grasps it: the demos show a recovery from the miss a learned
   * policy makes (down a few centimetres beside the cube, then closed on nothing and stuck
   * there — the most common failure traced in sessions 6 and 7). Default 0.
   */
  fumble?: number;
  /**
   * Probability (0..1) that the episode's approach is aimed 2–4 cm beside the cube (any
   * direction) until the tool is NUDGE_SWITCH_HEIGHT above the grasp point, where the expert
   * turns to the cube and corrects sideways on the way down. The approach is flagged as a
   * perturbation (left out of training), the correction is kept: learned policies that
   * descend a few centimetres off see what to do about it (traced: descents 2.5–3.5 cm beside
   * the cube, never corrected, because every demo was already aligned at that height). A
   * fumbling episode is not nudged. Default 0.
   */
  nudge?: number;
  /** Decides which episodes fumble or are nudged, and how (the demo's episode seed). */
  seed?: number;
}

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
  /** Signed offset (m, along the tool's y: across the fingers) of the first grasp; 0 = none. */
  private readonly fumbleOffset: number;
  private attempt = 0;
  private emptyGripSeen = false;
  /** Sideways offset (m, base x/y) of a nudged approach; null = none. */
  private readonly nudgeOffset: [number, number] | null;
  private nudging = false;

  constructor(options: PickPlaceExpertOptions = {}) {
    const p = options.fumble ?? 0;
    if (!(p >= 0 && p <= 1)) throw new Error(`PickPlaceExpert: fumble expects a probability between 0 and 1, found ${p}`);
    const rand = mulberry32(((options.seed ?? 0) >>> 0) ^ 0x5f3759df);
    const fumbles = rand() < p;
    this.fumbleOffset = fumbles ? (rand() < 0.5 ? -1 : 1) * FUMBLE_OFFSET : 0;
    const n = options.nudge ?? 0;
    if (!(n >= 0 && n <= 1)) throw new Error(`PickPlaceExpert: nudge expects a probability between 0 and 1, found ${n}`);
    // Its own stream, so adding --nudge leaves which episodes fumble as they were.
    const nudgeRand = mulberry32(((options.seed ?? 0) >>> 0) ^ 0x2545f491);
    const nudged = nudgeRand() < n && !fumbles;
    const r = NUDGE_OFFSET[0] + nudgeRand() * (NUDGE_OFFSET[1] - NUDGE_OFFSET[0]);
    const a = nudgeRand() * 2 * Math.PI;
    this.nudgeOffset = nudged ? [r * Math.cos(a), r * Math.sin(a)] : null;
    this.nudging = nudged;
  }

  /** Whether this episode's approach is aimed beside the cube until near the grasp height. */
  get nudged(): boolean {
    return this.nudgeOffset !== null;
  }

  /** Whether this episode's first grasp is aimed beside the cube. */
  get fumbles(): boolean {
    return this.fumbleOffset !== 0;
  }

  reset(): void {
    this.phase = 'above_cube';
    this.phaseStart = Number.NaN;
    this.attempt = 0;
    this.emptyGripSeen = false;
    this.nudging = this.nudgeOffset !== null;
  }

  /** Where the grasp is aimed: the cube's centre, or beside it on a fumbled first attempt. */
  private aim(cube: Vec3): Vec3 {
    if (this.nudging && this.nudgeOffset) return [cube[0] + this.nudgeOffset[0], cube[1] + this.nudgeOffset[1], cube[2]];
    if (this.attempt > 0 || this.fumbleOffset === 0) return cube;
    // The tool's y axis (across the fingers) is the closing axis (heading) turned by 90°.
    return [cube[0] - Math.sin(this.heading) * this.fumbleOffset, cube[1] + Math.cos(this.heading) * this.fumbleOffset, cube[2]];
  }

  act(obs: ExpertObservation): ExpertAction {
    // The fumbled attempt is the mistake (aim beside the cube, close there) until the fingers read closed on
    // nothing; what follows — creep up closed, open, back up, grasp again — is the recovery the demos exist to show.
    if (this.fumbleOffset !== 0 && obs.gripper > HOLDING_MAX_FINGER) this.emptyGripSeen = true;
    // A nudged approach turns to the cube once the tool is low enough; from that tick on it is a correction to learn.
    if (this.nudging && this.ctl.toolPose(obs.jointPositions).tcp[2] < objectPosition(obs, 'cube')[2] + GRASP_ABOVE_CENTRE + NUDGE_SWITCH_HEIGHT) this.nudging = false;
    const nudged = this.nudging;
    const action = this.#act(obs);
    if (nudged) return { ...action, perturbation: NUDGE_PERTURBATION };
    return this.fumbleOffset !== 0 && !this.emptyGripSeen ? { ...action, perturbation: FUMBLE_PERTURBATION } : action;
  }

  #act(obs: ExpertObservation): ExpertAction {
    if (Number.isNaN(this.phaseStart)) this.phaseStart = obs.time;
    const q = obs.jointPositions;
    const elapsed = obs.time - this.phaseStart;
    const go = (phase: Phase) => {
      this.phase = phase;
      this.phaseStart = obs.time;
    };
    const move = (position: Vec3, gripper: number, maxSpeed?: number, minSpeed = MIN_SPEED) => {
      const cmd = this.ctl.command(q, { position, heading: this.heading }, maxSpeed, minSpeed);
      return { cmd, action: { jointVelocities: cmd.jointVelocities, gripper, done: false } };
    };
    /** GRASP_CREEP m/s straight down (direction −1) or up (+1) from where the tool is: never a zero-velocity frame. */
    const creep = (direction: -1 | 1, gripper: number): ExpertAction => {
      const tcp = this.ctl.toolPose(q).tcp;
      return move([tcp[0], tcp[1], tcp[2] + direction * 0.01], gripper, GRASP_CREEP, 0).action;
    };
    const target = objectPosition(obs, 'target');
    /** The grip closed on nothing: back up open (this tick already), and aim at the cube itself from now on. */
    const missed = (): ExpertAction => {
      this.attempt++;
      go('back_up');
      return this.#act(obs);
    };

    switch (this.phase) {
      case 'above_cube': {
        this.cube = objectPosition(obs, 'cube');
        const current = this.ctl.toolPose(q).heading;
        this.heading = nearestEquivalentAngle(yawOf(objectOrientation(obs, 'cube')), current, Math.PI / 2);
        const aim = this.aim(this.cube);
        const { cmd, action } = move([aim[0], aim[1], SAFE_Z], 0);
        if (cmd.positionError < 0.01 && cmd.orientationError < 0.03) go('descend');
        return action;
      }
      case 'descend': {
        // TCP GRASP_ABOVE_CENTRE over the cube's centre: fingertips ~2 cm above the
        // table. A learned policy that overshoots the grasp height by a centimetre
        // still closes on the cube instead of pressing the fingers into the table
        // (at 5 mm, every such overshoot ended on the force limit).
        // 0.12 m/s down to 3 cm above the grasp point, then at least 6 cm/s until the last
        // ~7 mm (no long P-controller tail): the close command comes while the tool still
        // moves, one clear event at the grasp height.
        const cube = this.aim(objectPosition(obs, 'cube'));
        const grasp: Vec3 = [cube[0], cube[1], cube[2] + GRASP_ABOVE_CENTRE];
        const { cmd, action } = move(grasp, 0, 0.12, 0.06);
        if (reached(cmd.tcp, grasp, 0.004, 0.006)) {
          go('close');
          return creep(-1, 1);
        }
        return action;
      }
      case 'close':
        // Keep creeping down until the fingers touch (a few ticks, ~1 mm), then start up slowly
        // while the grip settles; lift at full speed once it has.
        if (obs.gripper < FINGER_CONTACT && elapsed < 0.19) return creep(-1, 1);
        if (elapsed > CLOSE_TIME) go('lift');
        return creep(1, 1);
      case 'lift': {
        const { cmd, action } = move([this.cube[0], this.cube[1], SAFE_Z], 1);
        if (obs.gripper > HOLDING_MAX_FINGER) return missed();
        else if (cmd.positionError < 0.01) go('above_target');
        return action;
      }
      case 'back_up': {
        // Straight up, open, before moving sideways: the fingers beside the cube would clip its top edge on a diagonal.
        const tcp = this.ctl.toolPose(q).tcp;
        const { action } = move([tcp[0], tcp[1], SAFE_Z], 0, 0.12);
        if (tcp[2] > SAFE_Z - 0.06) go('above_cube');
        return action;
      }
      case 'above_target': {
        const { cmd, action } = move([target[0], target[1], SAFE_Z], 1);
        if (obs.gripper > HOLDING_MAX_FINGER) return missed();
        else if (cmd.positionError < 0.005 && cmd.orientationError < 0.03) go('lower');
        return action;
      }
      case 'lower': {
        // Where the tool must be for the cube's centre to be RELEASE_ABOVE_REST above resting,
        // from where the cube sits in the fingers now (~1.5 cm below the tool point).
        const restZ = CELL_LAYOUT.tableTopZ + CELL_LAYOUT.cubeHalfSize;
        const held = this.ctl.toolPose(q).tcp[2] - objectPosition(obs, 'cube')[2];
        const place: Vec3 = [target[0], target[1], restZ + RELEASE_ABOVE_REST + held];
        const { cmd, action } = move(place, 1, 0.1, 0.03);
        if (reached(cmd.tcp, place, 0.003, 0.006)) {
          go('release');
          return creep(1, 0);
        }
        return action;
      }
      case 'release':
        // Open while drifting up slowly; retreat once the fingers have let go.
        if ((obs.gripper < FINGER_OPEN && elapsed > RELEASE_TIME) || elapsed > 0.79) go('retreat');
        return creep(1, 0);
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
