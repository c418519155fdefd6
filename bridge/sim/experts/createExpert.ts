import type { TaskName } from '../tasks/index.ts';
import { isTaskName, TASK_NAMES } from '../tasks/index.ts';
import type { Expert } from './expertTypes.ts';
import { PickPlaceExpert, type PickPlaceExpertOptions } from './PickPlaceExpert.ts';
import { PushExpert } from './PushExpert.ts';
import { ReachExpert } from './ReachExpert.ts';

/** Per-episode expert settings; `fumble` and `nudge` are pick_place's (PickPlaceExpertOptions). */
export type ExpertOptions = PickPlaceExpertOptions;

const EXPERTS: Record<TaskName, (o: ExpertOptions) => Expert> = {
  reach: () => new ReachExpert(),
  push: () => new PushExpert(),
  pick_place: (o) => new PickPlaceExpert(o),
};

/** The scripted expert for a task: a pure controller over public observations. */
export function createExpert(task: TaskName, options: ExpertOptions = {}): Expert {
  if (!isTaskName(task)) throw new Error(`createExpert: expected one of ${TASK_NAMES.join(', ')}, found ${String(task)}.`);
  if ((options.fumble ?? 0) > 0 && task !== 'pick_place') throw new Error(`createExpert: fumble applies to pick_place only, found task ${task}`);
  if ((options.nudge ?? 0) > 0 && task !== 'pick_place') throw new Error(`createExpert: nudge applies to pick_place only, found task ${task}`);
  const expert = EXPERTS[task](options);
  expert.reset();
  return expert;
}
