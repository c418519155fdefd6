import { CELL_LAYOUT } from '../model/cellLayout.ts';
import type { TaskName, Vec3 } from './taskLayout.ts';

/** Success tolerances (m, m/s, finger_joint rad). */
export const TASK_TOLERANCES = {
  /** reach: TCP within this distance of the target marker centre. */
  reachDistance: 0.02,
  /** push: cube centre within the goal disc (its xy distance to the goal centre). */
  pushDistance: CELL_LAYOUT.goalRadius,
  /** pick_place: cube centre within this xy distance of the target… */
  placeDistance: 0.03,
  /** …resting on the table (centre height within this of half its edge)… */
  placeHeight: 0.01,
  /** …nearly still… */
  placeSpeed: 0.05,
  /** …and released (finger_joint below this; a held 5 cm cube reads ~0.3). */
  placeReleasedFinger: 0.2,
} as const;

/** What a task's success check looks at, read from the simulation. */
export interface TaskState {
  tcp: Vec3;
  cube: Vec3;
  cubeSpeed: number;
  target: Vec3;
  goal: Vec3;
  fingerJoint: number;
}

export interface TaskStatus {
  task: TaskName;
  success: boolean;
  /** 0 at the episode's start, 1 when the task's distance is closed. */
  progress: number;
}

/** Distance the task must close, in metres. */
export function taskDistance(task: TaskName, s: TaskState): number {
  if (task === 'reach') return Math.hypot(s.tcp[0] - s.target[0], s.tcp[1] - s.target[1], s.tcp[2] - s.target[2]);
  if (task === 'push') return Math.hypot(s.cube[0] - s.goal[0], s.cube[1] - s.goal[1]);
  return Math.hypot(s.cube[0] - s.target[0], s.cube[1] - s.target[1], s.cube[2] - s.target[2]);
}

/** Success and progress; `initialDistance` is taskDistance at reset. */
export function evaluateTask(task: TaskName, s: TaskState, initialDistance: number): TaskStatus {
  const dist = taskDistance(task, s);
  const t = TASK_TOLERANCES;
  let success: boolean;
  if (task === 'reach') success = dist < t.reachDistance;
  else if (task === 'push') success = dist < t.pushDistance;
  else {
    const xy = Math.hypot(s.cube[0] - s.target[0], s.cube[1] - s.target[1]);
    const resting = Math.abs(s.cube[2] - (CELL_LAYOUT.tableTopZ + CELL_LAYOUT.cubeHalfSize)) < t.placeHeight;
    success = xy < t.placeDistance && resting && s.cubeSpeed < t.placeSpeed && s.fingerJoint < t.placeReleasedFinger;
  }
  const progress = success ? 1 : initialDistance > 0 ? Math.min(1, Math.max(0, 1 - dist / initialDistance)) : 0;
  return { task, success, progress };
}
