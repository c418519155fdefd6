/**
 * Success rates of the scripted experts, closed loop against the sim cell.
 *   npx tsx bridge/sim/experts/evaluateExperts.ts [episodesPerTask=50] [task…]
 */
import { SimCell } from '../cell/SimCell.ts';
import { TASK_NAMES, isTaskName } from '../tasks/index.ts';
import type { TaskName } from '../tasks/index.ts';
import { createExpert } from './createExpert.ts';
import { runExpertEpisode } from './runExpertEpisode.ts';

const episodes = Number(process.argv[2] ?? 50);
const tasks: TaskName[] = process.argv.slice(3).filter(isTaskName);
const cell = await SimCell.create();
for (const task of tasks.length ? tasks : TASK_NAMES) {
  const expert = createExpert(task);
  const t0 = performance.now();
  let ok = 0;
  let simTime = 0;
  let stops = 0;
  const failed: number[] = [];
  for (let seed = 0; seed < episodes; seed++) {
    const r = runExpertEpisode(cell, expert, { task, seed });
    simTime += r.duration;
    stops += r.protectiveStops;
    if (r.success) ok++;
    else failed.push(seed);
  }
  const wall = (performance.now() - t0) / 1000;
  console.log(
    `${task.padEnd(10)} success ${ok}/${episodes} (${((100 * ok) / episodes).toFixed(0)}%)  mean episode ${(simTime / episodes).toFixed(1)} s sim` +
      `  protective stops ${stops}  wall ${wall.toFixed(1)} s${failed.length ? `  failed seeds: ${failed.join(', ')}` : ''}`,
  );
}
cell.close();
