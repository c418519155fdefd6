import type { Dataset } from '@cellkit/datasets/core';

import { RecorderError, type RecorderProblem } from './RecorderError.ts';

const MiB = 1024 * 1024;

/** The recorder's faults, worded once: what happened with the numbers, and what to do. */
export const problems = {
  diskLag: (size: string): RecorderProblem => ({
    severity: 'warning',
    code: 'disk_lag',
    message: `Disk is not keeping up: ${size}`,
    tip: 'Check free space / disk health; recording stops if the backlog exceeds the limit.',
  }),
  diskStalled: (size: string, maxLag: number, maxBytes: number): Omit<RecorderProblem, 'severity'> => ({
    code: 'disk_stalled',
    message: `Recording stopped: the disk is not keeping up, ${size}, over the limit of ${maxLag} s / ${(maxBytes / MiB).toFixed(0)} MB`,
    tip: 'Check free space and disk health (or record fewer/smaller camera streams). Everything queued is still being written; the episode is kept up to that point.',
  }),
  stopTimeout: (index: number, timeout: number, written: number): Omit<RecorderProblem, 'severity'> => ({
    code: 'stop_timeout',
    message: `Stop gave up after ${timeout} s: the disk did not take the rest of episode ${index} (${written} messages were written)`,
    tip: 'Check the disk (free space, health, a hung network mount). The episode stays marked recording; reopening the dataset recovers it up to its last complete chunk.',
  }),
  writeFailed: (index: number, cause: string): Omit<RecorderProblem, 'severity'> => ({
    code: 'write_failed',
    message: `Recording stopped: could not write episode ${index} (${cause}); expected a writable dataset folder with free space`,
    tip: 'Free disk space or fix the folder permissions, then reopen the dataset: the episode is recovered up to its last complete chunk (at most 0.5 s lost) and earlier episodes are untouched.',
  }),
};

/** A dataset holds one cell layout: its action names must be this cell's joints (then the gripper). */
export function checkLayout(dataset: Dataset, jointNames: string[]): void {
  const action = dataset.info.features.find((f) => f.name === 'action');
  const expected = [...jointNames, 'gripper'];
  if (action?.names && JSON.stringify(action.names) !== JSON.stringify(expected)) {
    throw new RecorderError({
      code: 'layout_mismatch',
      message: `Dataset "${dataset.info.name}" records actions for [${action.names.join(', ')}], this cell sends [${expected.join(', ')}]`,
      tip: 'Record into a new dataset for this cell (or check the robot profile\'s joint names).',
    });
  }
}

export function joinNotes(a: string | undefined, b: string | undefined): string {
  return [a, b].filter((s) => s !== undefined && s.length > 0).join('\n');
}
