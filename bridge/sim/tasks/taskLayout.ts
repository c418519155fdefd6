import { CELL_LAYOUT } from '../model/cellLayout.ts';
import { mulberry32 } from './mulberry32.ts';

export type TaskName = 'reach' | 'push' | 'pick_place';
export const TASK_NAMES: readonly TaskName[] = ['reach', 'push', 'pick_place'];

export type Vec3 = [number, number, number];

/** Where the objects start for one episode. Positions in the base (= world) frame, metres. */
export interface TaskLayout {
  task: TaskName;
  seed: number;
  cube: { position: Vec3; yaw: number };
  /** Target marker centre (reach: the TCP goal; pick_place: where the cube's centre must end). */
  target: Vec3;
  /** Goal disc centre, on the table (push: where the cube must be pushed; pick_place: under the target, the place zone). */
  goal: Vec3;
}

/**
 * Region of the table in front of the robot (base frame, -x is forward) where
 * objects are placed: every point is reachable with the tool pointing down,
 * away from the shoulder and elbow singularities.
 */
export const WORKSPACE = { x: [-0.64, -0.36] as const, y: [-0.36, 0.1] as const, reachZ: [0.08, 0.35] as const };

// Objects a task does not use are parked where they neither block the arm nor
// show in the workspace: the cube at the table's far corner, markers under the table.
const PARKED_CUBE: Vec3 = [-0.15, 0.6, CELL_LAYOUT.tableTopZ + CELL_LAYOUT.cubeHalfSize];
const PARKED_MARKER: Vec3 = [0.2, 0.6, CELL_LAYOUT.tableTopZ - 0.3];

export function isTaskName(x: unknown): x is TaskName {
  return typeof x === 'string' && (TASK_NAMES as readonly string[]).includes(x);
}

/** Deterministic layout for (task, seed). */
export function sampleTaskLayout(task: TaskName, seed: number): TaskLayout {
  if (!isTaskName(task)) throw new Error(`Unknown task: expected one of ${TASK_NAMES.join(', ')}, found ${String(task)}.`);
  // Mix the task into the seed so the same seed gives unrelated layouts per task.
  const rand = mulberry32((seed >>> 0) ^ (TASK_NAMES.indexOf(task) * 0x9e3779b9));
  const u = (lo: number, hi: number) => lo + (hi - lo) * rand();
  const tableZ = CELL_LAYOUT.tableTopZ;
  const cubeZ = tableZ + CELL_LAYOUT.cubeHalfSize;
  const onTable = (margin = 0): Vec3 => [u(WORKSPACE.x[0] + margin, WORKSPACE.x[1] - margin), u(WORKSPACE.y[0] + margin, WORKSPACE.y[1] - margin), cubeZ];
  const xyDist = (p: Vec3, q: Vec3) => Math.hypot(p[0] - q[0], p[1] - q[1]);
  const yaw = u(-Math.PI / 4, Math.PI / 4);

  if (task === 'reach') {
    const target: Vec3 = [u(WORKSPACE.x[0], WORKSPACE.x[1]), u(WORKSPACE.y[0], WORKSPACE.y[1]), tableZ + u(WORKSPACE.reachZ[0], WORKSPACE.reachZ[1])];
    return { task, seed, cube: { position: [...PARKED_CUBE], yaw: 0 }, target, goal: [...PARKED_MARKER] };
  }
  if (task === 'push') {
    // Keep the cube far enough inside that the pusher fits behind it, and the
    // goal 12–25 cm away so that every episode needs a real push.
    for (;;) {
      const cube = onTable(0.06);
      const goal = onTable(0.02);
      const dist = xyDist(cube, goal);
      if (dist < 0.12 || dist > 0.25) continue;
      goal[2] = tableZ;
      return { task, seed, cube: { position: cube, yaw }, target: [...PARKED_MARKER], goal };
    }
  }
  for (;;) {
    const cube = onTable(0.02);
    const target = onTable(0.02);
    if (xyDist(cube, target) < 0.12) continue;
    // The goal disc lies on the table under the target: the place zone, large in both cameras
    // (the 2 cm target sphere alone is ~2 px in a 96 px scene image and out of the wrist
    // camera's view while the cube is carried at 15 cm).
    return { task, seed, cube: { position: cube, yaw }, target, goal: [target[0], target[1], tableZ] };
  }
}
