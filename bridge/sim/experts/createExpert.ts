import type { TaskName } from '../tasks/index.ts';
import { isTaskName, TASK_NAMES } from '../tasks/index.ts';
import type { Expert } from './expertTypes.ts';
import { PickPlaceExpert } from './PickPlaceExpert.ts';
import { PushExpert } from './PushExpert.ts';
import { ReachExpert } from './ReachExpert.ts';

const EXPERTS: Record<TaskName, () => Expert> = {
  reach: () => new ReachExpert(),
  push: () => new PushExpert(),
  pick_place: () => new PickPlaceExpert(),
};

/** The scripted expert for a task: a pure controller over public observations. */
export function createExpert(task: TaskName): Expert {
  if (!isTaskName(task)) throw new Error(`createExpert: expected one of ${TASK_NAMES.join(', ')}, found ${String(task)}.`);
  const expert = EXPERTS[task]();
  expert.reset();
  return expert;
}
