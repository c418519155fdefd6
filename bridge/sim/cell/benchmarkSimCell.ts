/**
 * Physics rate of the sim cell on this machine (steps per wall second, one
 * thread), idle and with an expert running a pick-and-place at 50 Hz.
 *   npx tsx bridge/sim/cell/benchmarkSimCell.ts [seconds=3]
 */
import { createExpert, observe } from '../experts/index.ts';
import { SimCell } from './SimCell.ts';

const seconds = Number(process.argv[2] ?? 3);
const cell = await SimCell.create({ task: 'pick_place', seed: 0 });

function measure(label: string, body: () => void): void {
  let steps = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    body();
    steps += 10;
  }
  const rate = steps / ((performance.now() - t0) / 1000);
  console.log(`${label.padEnd(44)} ${rate.toFixed(0).padStart(7)} steps/s  (${(rate / 500).toFixed(1)}× real time at 2 ms)`);
}

measure('idle arm, zero command', () => {
  for (let k = 0; k < 10; k++) cell.step();
});

const expert = createExpert('pick_place');
cell.reset({ task: 'pick_place', seed: 0 });
measure('pick_place expert at 50 Hz + jointState/wrench', () => {
  const a = expert.act(observe(cell));
  if (a.done) {
    cell.reset({ task: 'pick_place', seed: Math.floor(Math.random() * 1000) });
    expert.reset();
  }
  cell.setJointVelocityCommand(a.jointVelocities);
  cell.setGripperCommand(a.gripper);
  for (let k = 0; k < 10; k++) {
    cell.step();
    // What a 500 Hz publisher reads every step.
    cell.jointState();
    cell.wrench();
  }
});
cell.close();
