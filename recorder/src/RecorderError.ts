import type { EpisodeMeta } from '@cellkit/datasets/core';

/** A fault for the person who sees it (STYLE.md: faults are data). */
export type RecorderProblem = {
  severity: 'error' | 'warning' | 'info';
  /** What happened, with the numbers. */
  message: string;
  /** What to do about it. */
  tip: string;
  /** Stable machine-readable code, e.g. `disk_lag`, `write_failed`. */
  code: string;
};

/** Thrown (or rejected) when recording cannot start or had to stop; carries the problem. */
export class RecorderError extends Error {
  override name = 'RecorderError';
  readonly problem: RecorderProblem;
  readonly tip: string;
  /** The episode as it was closed after the fault, when it could be closed. */
  meta?: EpisodeMeta;

  constructor(problem: Omit<RecorderProblem, 'severity'> & { severity?: RecorderProblem['severity'] }, options?: { cause?: unknown }) {
    super(problem.message, options);
    this.problem = { severity: 'error', ...problem };
    this.tip = problem.tip;
  }
}
