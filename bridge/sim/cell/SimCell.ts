import type { MjData, MjModel } from 'mujoco-js';
import { UR5E } from '../../src/kinematics/index.ts';
import { loadModelFromXml } from '../mujoco/loadMujoco.ts';
import type { Mujoco } from '../mujoco/loadMujoco.ts';
import { buildCellXml, CELL_LAYOUT, CELL_NAMES } from '../model/index.ts';
import { evaluateTask, sampleTaskLayout, taskDistance, isTaskName, TASK_NAMES } from '../tasks/index.ts';
import type { TaskLayout, TaskName, TaskState, TaskStatus, Vec3 } from '../tasks/index.ts';
import { JointVelocityServo } from './JointVelocityServo.ts';
import { VelocityDisturbance } from './VelocityDisturbance.ts';
import { resolveCellIds, cellViews } from './cellIds.ts';
import type { CellIds, CellViews } from './cellIds.ts';

export type { TaskName } from '../tasks/index.ts';

/** ur_dashboard_msgs/msg/SafetyMode constants: one definition, the safety layer's. */
export { UR_SAFETY_MODE as SAFETY_MODE } from '../../src/safety/index.ts';
import { UR_SAFETY_MODE as SAFETY_MODE } from '../../src/safety/index.ts';

export interface SimCellOptions {
  /** Task laid out at start (default 'reach'). */
  task?: TaskName;
  /** Layout seed (default 0). */
  seed?: number;
  /**
   * Contact force (N) on any arm link, the F/T sensor, or the gripper as a
   * whole that triggers a protective stop (default 150, UR's default force
   * limit). The gripper counts as one body, so fingers squeezing the cube
   * (equal and opposite forces) do not trip it; pressing anything into the table does.
   */
  protectiveStopForce?: number;
  /** The joint setpoint stops this far inside a joint limit and trips a protective stop (rad, default 0.01). */
  jointLimitMargin?: number;
  /**
   * Seconds after a protective stop before unlock is accepted (default 0).
   * A real UR refuses for 5 s; set 5 to rehearse that.
   */
  unlockDelay?: number;
  /** Joint acceleration limit for the velocity servo (rad/s², default UR5E.maxJointAcceleration: 4 base/shoulder/elbow, 8 wrists). */
  maxJointAcceleration?: number[];
}

export interface ObjectPose {
  name: string;
  position: [number, number, number];
  /** Quaternion x, y, z, w (ROS order). */
  orientation: [number, number, number, number];
}

export interface JointStateSample {
  name: string[];
  position: number[];
  velocity: number[];
  effort: number[];
}

const FINGER_SCALE = CELL_LAYOUT.fingerJointClosed / CELL_LAYOUT.fingerTravel;

/**
 * The simulated UR5e cell: MuJoCo physics, a joint velocity servo that behaves
 * like the UR driver's forward_velocity_controller (holds the last command
 * forever), a gripper, protective stops, and the tasks. One `step()` is one
 * 2 ms physics step; the caller owns the clock (real time or as fast as possible).
 */
export class SimCell {
  readonly xml: string;
  readonly mujoco: Mujoco;
  readonly model: MjModel;
  readonly data: MjData;
  readonly jointNames: string[] = [...UR5E.jointNames, 'finger_joint'];
  readonly timestep: number;

  private readonly ids: CellIds;
  private episodeStart = 0;
  private resetCount = 0;
  private v: CellViews;
  private readonly servo: JointVelocityServo;
  /** Tracking error added to velocity commands (demonstrations with recoveries); null = none. Cleared by reset. */
  private disturbance: VelocityDisturbance | null = null;
  private readonly opts: Required<Omit<SimCellOptions, 'task' | 'seed'>>;
  private readonly feedForward: number[];
  private gripperCommand = 0;
  private mode: number = SAFETY_MODE.NORMAL;
  private stoppedAt = 0;
  private layout: TaskLayout;
  private initialDistance = 1;
  private readonly q6 = new Float64Array(6);
  private lastStopReason = '';

  static async create(opts: SimCellOptions = {}): Promise<SimCell> {
    const xml = buildCellXml({ arm: UR5E });
    const { mujoco, model } = await loadModelFromXml(xml);
    return new SimCell(xml, mujoco, model, opts);
  }

  private constructor(xml: string, mujoco: Mujoco, model: MjModel, opts: SimCellOptions) {
    this.xml = xml;
    this.mujoco = mujoco;
    this.model = model;
    this.data = new mujoco.MjData(model);
    this.timestep = model.opt.timestep;
    this.opts = {
      protectiveStopForce: opts.protectiveStopForce ?? 150,
      jointLimitMargin: opts.jointLimitMargin ?? 0.01,
      unlockDelay: opts.unlockDelay ?? 0,
      maxJointAcceleration: opts.maxJointAcceleration ?? UR5E.maxJointAcceleration,
    };
    this.ids = resolveCellIds(mujoco, model);
    this.v = cellViews(this.data);
    const kp = this.model.actuator_gainprm as Float64Array;
    const bias = this.model.actuator_biasprm as Float64Array;
    // position actuator: force = kp·(ctrl − q) − kv·q̇, so ctrl = q_ref + (kv/kp)·v_ref gives kp·e + kv·ė.
    this.feedForward = this.ids.armActuators.map((a) => -bias[a * 10 + 2] / kp[a * 10]);
    this.servo = new JointVelocityServo({
      maxVelocity: UR5E.maxJointVelocity,
      maxAcceleration: this.opts.maxJointAcceleration,
      lower: UR5E.jointLimits.map((l) => l.lower),
      upper: UR5E.jointLimits.map((l) => l.upper),
      limitMargin: this.opts.jointLimitMargin,
    });
    this.layout = sampleTaskLayout(opts.task ?? 'reach', opts.seed ?? 0);
    this.reset({ task: opts.task ?? 'reach', seed: opts.seed ?? 0 });
  }

  /**
   * Sim seconds since the cell was created. Like a real robot's clock it never
   * goes back: a reset is a new episode, not a clock jump (stamps stay
   * monotonic for recorders, and a real-time runner does not fast-forward).
   */
  get time(): number {
    return this.data.time;
  }

  /** Resets so far: a camera frame rendered from a state before the latest one shows the last episode. */
  get resets(): number {
    return this.resetCount;
  }

  /** Sim seconds since the last reset. */
  get episodeTime(): number {
    return this.data.time - this.episodeStart;
  }

  step(): void {
    const v = this.views();
    const { qpos, ctrl } = v;
    const ids = this.ids;
    if (this.mode === SAFETY_MODE.NORMAL) {
      const hit = this.servo.advance(this.timestep, this.disturbance?.advance(this.timestep));
      if (hit >= 0) this.protectiveStop(`${this.jointNames[hit]} reached its position limit`);
    } else if (this.maxExternalForce(v) > 0.5 * this.opts.protectiveStopForce) {
      // Stopped but still pressed by an obstacle: let the hold yield towards
      // where the arm is, so it comes to rest against the obstacle, not into it.
      for (let i = 0; i < 6; i++) {
        const q = qpos[ids.armQpos[i]];
        this.servo.position[i] += 0.02 * (q - this.servo.position[i]);
      }
    }
    for (let i = 0; i < 6; i++) ctrl[ids.armActuators[i]] = this.servo.position[i] + this.feedForward[i] * this.servo.velocity[i];
    const finger = this.gripperCommand * CELL_LAYOUT.fingerTravel;
    ctrl[ids.fingerActuators[0]] = finger;
    ctrl[ids.fingerActuators[1]] = finger;

    this.mujoco.mj_step(this.model, this.data);

    if (this.mode === SAFETY_MODE.NORMAL) {
      const force = this.maxExternalForce(this.views());
      if (force > this.opts.protectiveStopForce) {
        this.protectiveStop(`contact force ${force.toFixed(0)} N exceeded ${this.opts.protectiveStopForce} N`);
      }
    }
  }

  /**
   * Like forward_velocity_controller: exactly 6 finite values (rad/s), held
   * until replaced — there is no timeout. Returns false, and keeps the previous
   * command, if the command is malformed or non-finite, or while the arm is in
   * protective stop (the controller does not run then).
   */
  setJointVelocityCommand(vel: ArrayLike<number>): boolean {
    if (!vel || vel.length !== 6) return false;
    for (let i = 0; i < 6; i++) if (typeof vel[i] !== 'number' || !Number.isFinite(vel[i])) return false;
    if (this.mode !== SAFETY_MODE.NORMAL) return false;
    for (let i = 0; i < 6; i++) this.servo.command[i] = vel[i];
    return true;
  }

  /** 0 open … 1 closed. Non-finite or outside [0, 1] is dropped (returns false). */
  setGripperCommand(x: number): boolean {
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0 || x > 1) return false;
    this.gripperCommand = x;
    return true;
  }

  /**
   * Arm joints then `finger_joint` (0 open … 0.8 rad closed, Robotiq-like:
   * finger slide travel × 0.8 / 0.04 m). Effort: joint torque applied by the
   * actuators incl. gravity compensation (N·m); finger: actuator force (N).
   */
  jointState(): JointStateSample {
    const { qpos, qvel, qfrc_actuator, actuator_force } = this.views();
    const ids = this.ids;
    const position: number[] = [];
    const velocity: number[] = [];
    const effort: number[] = [];
    for (let i = 0; i < 6; i++) {
      position.push(qpos[ids.armQpos[i]]);
      velocity.push(qvel[ids.armDof[i]]);
      effort.push(qfrc_actuator[ids.armDof[i]]);
    }
    position.push(qpos[ids.fingerQpos[0]] * FINGER_SCALE);
    velocity.push(qvel[ids.fingerDof[0]] * FINGER_SCALE);
    effort.push(actuator_force[ids.fingerActuators[0]]);
    return { name: [...this.jointNames], position, velocity, effort };
  }

  /**
   * Wrist wrench in the F/T sensor frame (its axes are the flange's: z along
   * the tool axis, away from the flange), N and N·m, about the sensor face.
   * MuJoCo's convention: the force the wrist exerts on the gripper subtree, so
   * at rest with the tool pointing down it reads ≈ −m_gripper·g ≈ −7.85 N on z
   * (0.8 kg gripper); pushing the fingers up against something adds to it.
   */
  wrench(): { force: [number, number, number]; torque: [number, number, number] } {
    const s = this.views().sensordata;
    const f = this.ids.forceAdr;
    const t = this.ids.torqueAdr;
    return { force: [s[f], s[f + 1], s[f + 2]], torque: [s[t], s[t + 1], s[t + 2]] };
  }

  safetyMode(): number {
    return this.mode;
  }

  /** Why the last protective stop happened ('' if none since reset). */
  protectiveStopReason(): string {
    return this.lastStopReason;
  }

  /** Like the dashboard's `unlock protective stop`. The arm stays still until a NEW command arrives. */
  unlockProtectiveStop(): { success: boolean; message: string } {
    if (this.mode !== SAFETY_MODE.PROTECTIVE_STOP) return { success: false, message: 'Not in protective stop: nothing to unlock.' };
    const wait = this.stoppedAt + this.opts.unlockDelay - this.time;
    if (wait > 0) {
      return { success: false, message: `Cannot unlock protective stop until ${this.opts.unlockDelay}s after occurrence (${wait.toFixed(1)} s left).` };
    }
    // Keep the hold setpoint (re-seating it at the measured q would let the
    // arm spring off whatever it rests on); just make sure nothing old is queued.
    this.servo.command.fill(0);
    this.servo.velocity.fill(0);
    this.mode = SAFETY_MODE.NORMAL;
    return { success: true, message: 'Protective stop releasing' };
  }

  /**
   * Until the next reset, the arm tracks its velocity commands with a seeded,
   * correlated error of std `sigma` rad/s per joint (see VelocityDisturbance);
   * only while commanded to move. sigma 0 turns it off.
   */
  setDisturbance(opts: { sigma: number; tau?: number; seed: number }): void {
    this.disturbance = opts.sigma > 0 ? new VelocityDisturbance(opts.sigma, 6, opts.seed, opts.tau) : null;
  }

  /**
   * Arm to home at rest, command cleared, no disturbance, gripper open, NORMAL safety mode,
   * objects laid out for (task, seed); `episodeTime` back to 0 (`time` goes on). An omitted task or seed
   * keeps the current one (so `reset({})` replays the same episode layout).
   */
  reset(opts: { task?: TaskName; seed?: number } = {}): void {
    const task = opts.task ?? this.layout.task;
    if (!isTaskName(task)) throw new Error(`SimCell.reset: expected task one of ${TASK_NAMES.join(', ')}, found ${String(task)}.`);
    const seed = opts.seed ?? this.layout.seed;
    this.layout = sampleTaskLayout(task, seed);
    this.resetCount++;
    const m = this.mujoco;
    const now = this.data.time;
    m.mj_resetData(this.model, this.data);
    this.data.time = now;
    this.episodeStart = now;
    const v = this.views();
    const ids = this.ids;
    const home = CELL_LAYOUT.homeJointPositions;
    for (let i = 0; i < 6; i++) v.qpos[ids.armQpos[i]] = home[i];
    const c = this.layout.cube;
    const a = ids.cubeQpos;
    v.qpos.set([c.position[0], c.position[1], c.position[2], Math.cos(c.yaw / 2), 0, 0, Math.sin(c.yaw / 2)], a);
    v.mocap_pos.set(this.layout.target, ids.targetMocap * 3);
    v.mocap_pos.set(this.layout.goal, ids.goalMocap * 3);
    this.servo.resetTo(home);
    this.disturbance = null;
    for (let i = 0; i < 6; i++) v.ctrl[ids.armActuators[i]] = home[i];
    this.gripperCommand = 0;
    this.mode = SAFETY_MODE.NORMAL;
    this.lastStopReason = '';
    m.mj_forward(this.model, this.data);
    this.initialDistance = taskDistance(task, this.taskState());
  }

  /** The current task's layout (seed, initial object placement). */
  taskLayout(): TaskLayout {
    return this.layout;
  }

  taskStatus(): TaskStatus {
    return evaluateTask(this.layout.task, this.taskState(), this.initialDistance);
  }

  /** cube, target, goal in the base (= world) frame. Markers have identity orientation. */
  objectPoses(): ObjectPose[] {
    const { xpos, xquat, mocap_pos } = this.views();
    const b = this.ids.cubeBody;
    const t = this.ids.targetMocap * 3;
    const g = this.ids.goalMocap * 3;
    return [
      { name: 'cube', position: [xpos[b * 3], xpos[b * 3 + 1], xpos[b * 3 + 2]], orientation: [xquat[b * 4 + 1], xquat[b * 4 + 2], xquat[b * 4 + 3], xquat[b * 4]] },
      { name: 'target', position: [mocap_pos[t], mocap_pos[t + 1], mocap_pos[t + 2]], orientation: [0, 0, 0, 1] },
      { name: 'goal', position: [mocap_pos[g], mocap_pos[g + 1], mocap_pos[g + 2]], orientation: [0, 0, 0, 1] },
    ];
  }

  close(): void {
    this.data.delete();
    this.model.delete();
  }

  private protectiveStop(reason: string): void {
    this.mode = SAFETY_MODE.PROTECTIVE_STOP;
    this.stoppedAt = this.time;
    this.lastStopReason = reason;
    this.readArmQ();
    this.servo.holdAt(this.q6);
  }

  private readArmQ(): void {
    const qpos = this.views().qpos;
    for (let i = 0; i < 6; i++) this.q6[i] = qpos[this.ids.armQpos[i]];
  }

  /** Largest external contact force (N) on one arm link, the F/T sensor, or the gripper taken as a whole. */
  private maxExternalForce(v: CellViews): number {
    const c = v.cfrc_ext;
    let max = 0;
    for (const b of this.ids.armBodies) {
      const f = Math.hypot(c[b * 6 + 3], c[b * 6 + 4], c[b * 6 + 5]);
      if (f > max) max = f;
    }
    let fx = 0;
    let fy = 0;
    let fz = 0;
    for (const b of this.ids.gripperBodies) {
      fx += c[b * 6 + 3];
      fy += c[b * 6 + 4];
      fz += c[b * 6 + 5];
    }
    return Math.max(max, Math.hypot(fx, fy, fz));
  }

  private taskState(): TaskState {
    const { site_xpos, qvel, qpos } = this.views();
    const s = this.ids.tcpSite * 3;
    const poses = this.objectPoses();
    const d = this.ids.cubeDof;
    return {
      tcp: [site_xpos[s], site_xpos[s + 1], site_xpos[s + 2]],
      cube: poses[0].position as Vec3,
      cubeSpeed: Math.hypot(qvel[d], qvel[d + 1], qvel[d + 2]),
      target: poses[1].position as Vec3,
      goal: poses[2].position as Vec3,
      fingerJoint: qpos[this.ids.fingerQpos[0]] * FINGER_SCALE,
    };
  }

  /** Typed-array views into MuJoCo's memory; re-fetched if WASM memory grew (old views detach). */
  private views(): CellViews {
    if (this.v.qpos.buffer.byteLength === 0) this.v = cellViews(this.data);
    return this.v;
  }
}
