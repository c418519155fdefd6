/** One `cellkit <name>` subcommand. `run` returns the process exit code. */
export interface Command {
  name: string;
  /** One line for `cellkit --help`. */
  summary: string;
  /** Full usage text for `cellkit <name> --help`. */
  usage: string;
  run(argv: string[]): Promise<number>;
}

/** A bad command line: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
