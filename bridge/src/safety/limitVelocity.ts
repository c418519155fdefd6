import { dampedLeastSquares } from '../kinematics/index.ts';
import { CLAMP } from './SafetyEvent.ts';
import type { SafetyLimits, Vec3 } from './SafetyLimits.ts';

/** The measured state the limits are evaluated at, computed once per tick. */
export interface LimitContext {
  limits: SafetyLimits;
  /** Joint position limits of the arm (rad). */
  jointLimits: { lower: number; upper: number }[];
  /** Measured joint positions (rad). */
  q: number[];
  /** TCP position at `q` in the base frame (m). */
  tcp: Vec3;
  /** Geometric Jacobian at `q` for the TCP, rows [vx, vy, vz, wx, wy, wz]. */
  J: number[][];
  /** s, braking time constant (`brakingTime(limits)`). */
  tau: number;
  /** s, the publish period: one step of the arm, for the one-step hard checks. */
  period: number;
}

/**
 * Three sets of caps, each with the form "speed toward a boundary ≤ distance
 * / horizon" plus the speed limits:
 * - `target` shapes the command: distance / tau (tau = the longest joint stop
 *   time), 2% under every cap, the TCP kept `WALL_BUFFER` inside the box;
 * - `brake` is checked on what is sent: distance / tau, exact. Uniform
 *   braking at the acceleration limit keeps up with it (exactly so while
 *   the Jacobian is constant), so it is enforced within the acceleration limit;
 * - `hard` is the last line: every speed cap, and the next step (p + v·dt)
 *   neither crosses a joint's stop point nor leaves the box. Only a command
 *   that cannot meet it within the acceleration limit is stopped at once.
 */
export type CapSet = 'target' | 'brake' | 'hard';

/** One limit that changed the command, with the numbers (becomes a `clamp` event). */
export interface LimitReport {
  code: string;
  message: string;
  joint?: number;
  requested?: number;
  allowed?: number;
}

export interface LimitResult {
  velocities: number[];
  reports: LimitReport[];
}

/**
 * The target is shaped to this fraction of every distance/speed cap, so the
 * acceleration-limited ramp toward it never has to brake harder than allowed
 * when the arm's Jacobian drifts a little between ticks.
 */
const TARGET_FRACTION = 0.98;
/**
 * m. The target keeps the TCP this far inside the box. Sliding along a wall
 * on joint velocities follows a curved path that drifts outward by
 * micrometres per tick; within the buffer the target pulls gently back in
 * (at most `WALL_PULL` of the commanded TCP speed, so a zero command never
 * moves), which keeps a TCP sliding along a wall from creeping out.
 */
const WALL_BUFFER = 0.002;
const WALL_PULL = 0.25;
const EPS = 1e-9;
const AXES = 'xyz';

/**
 * Turn a requested joint velocity into one that is safe to send this tick.
 *
 * 1. joint speed: scale the whole vector so no joint exceeds its limit
 *    (uniform, so a Cartesian motion keeps its direction);
 * 2. joint position margin: velocity toward a joint limit scaled linearly to
 *    zero over the margin (per joint, so other joints keep moving);
 * 3. workspace: outward TCP velocity beyond the wall cap is projected out
 *    through the Jacobian (DLS), so motion along a wall continues;
 * 4. one uniform scale so every cap holds at once (joint speed, braking caps
 *    "distance / tau" for joints and walls, TCP speed);
 * 5. acceleration: move from `previous` toward that target in a straight
 *    line, no joint changing by more than a·dt;
 * 6. if what would be sent still breaks a `brake` cap (the measured state
 *    moved in a way the target could not foresee), brake harder, still within
 *    the acceleration limit; if even that would cross a boundary in the next
 *    step, stop at once (`immediate_stop`).
 *
 * Pure: no state; `previous` is the last output, `dt` the step it ramps over.
 */
export function limitVelocity(requested: number[], previous: number[], dt: number, ctx: LimitContext): LimitResult {
  const reports: LimitReport[] = [];
  const { limits } = ctx;
  const n = requested.length;
  let v = requested.slice();

  // 1. Joint speed, uniform.
  let s = 1;
  let worst = -1;
  for (let i = 0; i < n; i++) {
    const f = limits.maxJointVelocity[i] / Math.abs(v[i]);
    if (f < s) (s = f), (worst = i);
  }
  if (worst >= 0) {
    reports.push({
      code: CLAMP.jointVelocity,
      joint: worst,
      requested: v[worst],
      allowed: v[worst] * s,
      message: `Joint ${worst} asked for ${fmt(v[worst])} rad/s, limit ${fmt(limits.maxJointVelocity[worst])} rad/s: whole command scaled by ${fmt(s)}.`,
    });
    v = v.map((x) => x * s);
  }

  // 2. Linear ramp to zero over the joint position margin.
  const span = limits.jointPositionMargin - limits.jointStopMargin;
  for (let i = 0; i < n; i++) {
    if (v[i] === 0) continue;
    const d = distanceToJointLimit(ctx, i, v[i]);
    const f = clamp01((d - limits.jointStopMargin) / span);
    if (f < 1) {
      reports.push({
        code: CLAMP.jointPositionMargin,
        joint: i,
        requested: v[i],
        allowed: v[i] * f,
        message: `Joint ${i} is ${fmt(d)} rad from its limit (margin ${fmt(limits.jointPositionMargin)} rad): speed toward it scaled from ${fmt(v[i])} to ${fmt(v[i] * f)} rad/s.`,
      });
      v[i] *= f;
    }
  }

  // 3. Workspace: remove outward TCP velocity beyond the wall caps, keep the rest of the twist.
  const u = linear(ctx.J, v);
  const pull = WALL_PULL * Math.hypot(u[0], u[1], u[2]);
  const correction = [0, 0, 0, 0, 0, 0];
  let project = false;
  for (let k = 0; k < 3; k++) {
    const [capOut, capIn] = wallCaps(ctx, k, 'target').map((c) => Math.max(c, -pull));
    const excess = u[k] > capOut ? capOut - u[k] : u[k] < -capIn ? -capIn - u[k] : 0;
    if (excess !== 0) {
      correction[k] = excess;
      project = true;
      reports.push({
        code: CLAMP.workspace,
        requested: u[k],
        allowed: u[k] + excess,
        message: `TCP ${AXES[k]} at ${fmt(ctx.tcp[k])} m, box [${fmt(limits.workspace.min[k])}, ${fmt(limits.workspace.max[k])}] m: ${AXES[k]} velocity limited from ${fmt(u[k])} to ${fmt(u[k] + excess)} m/s.`,
      });
    }
  }
  if (project) {
    const dv = dampedLeastSquares(ctx.J, correction);
    v = v.map((x, i) => x + (Number.isFinite(dv[i]) ? dv[i] : 0));
  }

  // 4. Every cap at once, by one uniform scale.
  const target = capScale(v, ctx, 'target');
  if (target.scale < 1) {
    for (const r of target.binding) reports.push(r);
    v = v.map((x) => x * target.scale);
  }

  // 5. Acceleration: move from `previous` toward the target along a straight
  //    line in joint space, as far as the slowest-allowed joint permits. Not
  //    per joint: unequal per-joint ramps bend the TCP path (a stop while
  //    sliding along a wall would swing the TCP outward).
  let t = 1;
  let accelJoint = -1;
  for (let i = 0; i < n; i++) {
    const change = Math.abs(v[i] - previous[i]);
    const f = (limits.maxJointAcceleration[i] * dt) / change;
    if (f < t) (t = f), (accelJoint = i);
  }
  const ramped = previous.map((p, i) => p + t * (v[i] - p));
  if (accelJoint >= 0) {
    reports.push({
      code: CLAMP.jointAcceleration,
      joint: accelJoint,
      requested: v[accelJoint],
      allowed: ramped[accelJoint],
      message: `Joint ${accelJoint} asked to change from ${fmt(previous[accelJoint])} to ${fmt(v[accelJoint])} rad/s in one tick; ramping at ${fmt(limits.maxJointAcceleration[accelJoint])} rad/s².`,
    });
  }

  // 6. What is sent must keep braking in time (`brake` caps). Search the
  //    segment from the hardest uniform braking of `previous` to the ramped
  //    command — every point is within the acceleration limit — for the
  //    fastest point within the caps, or else the least violating one (the
  //    measured state moved unexpectedly: brake as hard as allowed). Only if
  //    that point would cross a boundary in the next step (`hard`) do we stop
  //    at once, which the acceleration limit does not apply to.
  const brake = capScale(ramped, ctx, 'brake');
  if (brake.scale >= 1 - EPS) return { velocities: ramped, reports };
  const because = brake.binding.map((r) => r.code).join(', ');
  const braked = hardestUniformBraking(previous, dt, limits);
  const at = (x: number): number[] => braked.map((b, i) => b + x * (ramped[i] - b));
  const best = mostFeasible(braked, ramped, ctx);
  const out = at(best.scale >= 1 - EPS ? lastFeasible(braked, ramped, ctx, best.t) : best.t);
  if (best.scale >= 1 - EPS || capScale(out, ctx, 'hard').scale >= 1 - EPS) {
    reports.push({ code: CLAMP.braking, message: `Braking harder than the command asks, within the acceleration limit, to respect: ${because}.` });
    return { velocities: out, reports };
  }
  reports.push({
    code: CLAMP.immediateStop,
    message: `No command within the acceleration limit keeps the arm inside its limits next step (${because}): stopping at once. Check joint state latency and the workspace box.`,
  });
  return { velocities: previous.map(() => 0), reports };
}

/**
 * Largest s in [0, 1] so that s·v respects every cap of `set` at the measured
 * state, and the caps that bind. Each cap has the form s·g ≤ h with h ≥ 0, so
 * scaling down never breaks another one.
 */
export function capScale(v: number[], ctx: LimitContext, set: CapSet): { scale: number; binding: LimitReport[] } {
  const { limits } = ctx;
  const fraction = set === 'target' ? TARGET_FRACTION : 1;
  // Time to cover the remaining distance: brake early for targets, one step for the hard check.
  const horizon = set === 'hard' ? ctx.period : ctx.tau;
  let scale = 1;
  const binding: LimitReport[] = [];
  const consider = (f: number, report: () => LimitReport): void => {
    if (f < 1 - EPS) binding.push(report());
    if (f < scale) scale = Math.max(0, f);
  };
  for (let i = 0; i < v.length; i++) {
    const speed = Math.abs(v[i]);
    if (speed === 0) continue;
    const vmax = limits.maxJointVelocity[i] * fraction;
    consider(vmax / speed, () => ({
      code: CLAMP.jointVelocity,
      joint: i,
      requested: v[i],
      allowed: Math.sign(v[i]) * vmax,
      message: `Joint ${i} at ${fmt(v[i])} rad/s exceeds ${fmt(vmax)} rad/s.`,
    }));
    const room = Math.max(0, distanceToJointLimit(ctx, i, v[i]) - limits.jointStopMargin);
    const cap = (fraction * room) / horizon;
    consider(cap / speed, () => ({
      code: CLAMP.jointPositionMargin,
      joint: i,
      requested: v[i],
      allowed: Math.sign(v[i]) * cap,
      message: `Joint ${i} is ${fmt(room)} rad from its stop point: approach limited to ${fmt(cap)} rad/s so it stops in time.`,
    }));
  }
  const u = linear(ctx.J, v);
  const tcpSpeed = Math.hypot(u[0], u[1], u[2]);
  if (tcpSpeed > 0) {
    const allowed = limits.maxTcpSpeed * fraction;
    consider(allowed / tcpSpeed, () => ({
      code: CLAMP.tcpSpeed,
      requested: tcpSpeed,
      allowed,
      message: `TCP speed ${fmt(tcpSpeed)} m/s exceeds ${fmt(limits.maxTcpSpeed)} m/s (ISO 10218-1 reduced speed by default): whole command scaled.`,
    }));
  }
  for (let k = 0; k < 3; k++) {
    const [capOut, capIn] = wallCaps(ctx, k, set).map((c) => Math.max(0, c));
    const f = u[k] > 0 ? capOut / u[k] : u[k] < 0 ? capIn / -u[k] : Infinity;
    consider(f, () => ({
      code: CLAMP.workspace,
      requested: u[k],
      allowed: u[k] * f,
      message: `TCP ${AXES[k]} = ${fmt(ctx.tcp[k])} m moving ${fmt(u[k])} m/s toward the box wall [${fmt(limits.workspace.min[k])}, ${fmt(limits.workspace.max[k])}] m: slowed to brake in time.`,
    }));
  }
  return { scale, binding };
}

/** Linear TCP velocity J[0..2]·v (m/s). */
export function linear(J: number[][], v: number[]): Vec3 {
  const out: Vec3 = [0, 0, 0];
  for (let r = 0; r < 3; r++) {
    let s = 0;
    for (let i = 0; i < v.length; i++) s += J[r][i] * v[i];
    out[r] = s;
  }
  return out;
}

/** rad from q[i] to the joint limit it is moving toward (negative if already past it). */
function distanceToJointLimit(ctx: LimitContext, i: number, velocity: number): number {
  const lim = ctx.jointLimits[i];
  return velocity > 0 ? lim.upper - ctx.q[i] : ctx.q[i] - lim.lower;
}

/**
 * Allowed outward speed toward the max wall and toward the min wall of axis k.
 * `target`: (distance − buffer) / tau, negative inside the buffer (callers
 * floor it); `brake`: distance / tau; `hard`: distance / period. The last two
 * are zero at or beyond the wall, so a TCP outside may only move back in.
 */
function wallCaps(ctx: LimitContext, k: number, set: CapSet): [number, number] {
  const ws = ctx.limits.workspace;
  const toMax = ws.max[k] - ctx.tcp[k];
  const toMin = ctx.tcp[k] - ws.min[k];
  if (set === 'hard') return [Math.max(0, toMax) / ctx.period, Math.max(0, toMin) / ctx.period];
  if (set === 'brake') return [Math.max(0, toMax) / ctx.tau, Math.max(0, toMin) / ctx.tau];
  const f = TARGET_FRACTION / ctx.tau;
  return [f * (toMax - WALL_BUFFER), f * (toMin - WALL_BUFFER)];
}

/**
 * `previous` scaled down uniformly as far as the acceleration limit allows in
 * one step. Uniform scaling lowers every joint speed, TCP speed and outward
 * velocity in proportion; with caps of the form distance / tau (tau the
 * longest stop time of any joint) this braking always keeps up with the caps.
 */
function hardestUniformBraking(previous: number[], dt: number, limits: SafetyLimits): number[] {
  let k = 1;
  for (let i = 0; i < previous.length; i++) {
    const speed = Math.abs(previous[i]);
    if (speed > 0) k = Math.min(k, (limits.maxJointAcceleration[i] * dt) / speed);
  }
  return previous.map((x) => x * (1 - k));
}

/**
 * The t in [0, 1] where from + t·(to − from) best fits the `brake` caps
 * (largest `capScale`). The caps are convex in the velocity (boxes,
 * half-spaces, a ball), so capScale along a segment is unimodal: ternary search.
 */
function mostFeasible(from: number[], to: number[], ctx: LimitContext): { t: number; scale: number } {
  const score = (t: number): number => capScale(from.map((f, i) => f + t * (to[i] - f)), ctx, 'brake').scale;
  let lo = 0;
  let hi = 1;
  for (let iter = 0; iter < 40; iter++) {
    const m1 = lo + (hi - lo) / 3;
    const m2 = hi - (hi - lo) / 3;
    // Ties move right: among equally good points prefer the one nearer the command.
    if (score(m1) > score(m2)) hi = m2;
    else lo = m1;
  }
  const candidates = [0, lo, 1].map((t) => ({ t, scale: score(t) }));
  return candidates.reduce((a, b) => (b.scale >= a.scale ? b : a));
}

/** Largest t in [t0, 1] with the point within the `brake` caps, given that t0 is (feasible t form an interval). */
function lastFeasible(from: number[], to: number[], ctx: LimitContext, t0: number): number {
  let lo = t0;
  let hi = 1;
  if (capScale(to, ctx, 'brake').scale >= 1 - EPS) return 1;
  for (let iter = 0; iter < 40; iter++) {
    const mid = (lo + hi) / 2;
    if (capScale(from.map((f, i) => f + mid * (to[i] - f)), ctx, 'brake').scale >= 1 - EPS) lo = mid;
    else hi = mid;
  }
  return lo;
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

function fmt(x: number): string {
  return Number.isFinite(x) ? String(Math.round(x * 1e4) / 1e4) : String(x);
}
