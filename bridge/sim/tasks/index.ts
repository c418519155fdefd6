export { mulberry32 } from './mulberry32.ts';
export { sampleTaskLayout, isTaskName, TASK_NAMES, WORKSPACE } from './taskLayout.ts';
export type { TaskName, TaskLayout, Vec3 } from './taskLayout.ts';
export { evaluateTask, taskDistance, TASK_TOLERANCES } from './taskStatus.ts';
export type { TaskState, TaskStatus } from './taskStatus.ts';
