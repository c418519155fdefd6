import type { Command } from './Command.ts';
import { simCommand } from './simCommand.ts';
import { startCommand } from './startCommand.ts';

/** Every `cellkit` subcommand, in the order `--help` lists them. */
export const commands: Command[] = [startCommand, simCommand];
