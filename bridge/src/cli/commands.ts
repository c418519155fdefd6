import type { Command } from './Command.ts';
import { bridgeCommand } from './bridgeCommand.ts';
import { datasetCommand } from './datasetCommand.ts';
import { demoCommand } from './demoCommand.ts';
import { evalCommand } from './evalCommand.ts';
import { recordCommand } from './recordCommand.ts';
import { simCommand } from './simCommand.ts';
import { startCommand } from './startCommand.ts';
import { trainCommand } from './trainCommand.ts';

/** Every `cellkit` subcommand, in the order `--help` lists them. */
export const commands: Command[] = [startCommand, simCommand, bridgeCommand, datasetCommand, demoCommand, trainCommand, evalCommand];
