import { commands } from './commands.ts';
import { UsageError } from './Command.ts';

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'cellkit — robot cells that learn from demonstration',
    '',
    'Usage: cellkit <command> [options]   (cellkit <command> --help for its options)',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`cellkit: unknown command '${name}'. Expected one of: ${commands.map((c) => c.name).join(', ')}.`);
    console.error('Run `cellkit --help` for the list.');
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`cellkit ${name}: ${(err as Error).message}\n\n${command.usage}`);
      return 2;
    }
    console.error(`cellkit ${name}: ${(err as Error).stack ?? err}`);
    return 1;
  }
}
