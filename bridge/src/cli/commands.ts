import type { Command } from './Command.ts';

/** Every `cellkit` subcommand, in the order `--help` lists them. */
export const commands: Command[] = [];
