import type { PolicyProblem } from '../protocol/ServerMessage.ts';

/** A fault as data: code, what was expected vs found, and a tip for the person who sees it. */
export function problem(code: string, message: string, tip: string, severity: PolicyProblem['severity'] = 'error'): PolicyProblem {
  return { severity, code, message, tip };
}

/** A refused load, start or resume: nothing moved. `problems` lists every difference found. */
export class PolicyError extends Error {
  override name = 'PolicyError';
  constructor(
    readonly problem: PolicyProblem,
    readonly problems: PolicyProblem[] = [problem],
  ) {
    super(problem.message);
  }

  get code(): string {
    return this.problem.code;
  }

  get tip(): string {
    return this.problem.tip;
  }
}
