import { Catalogue } from './cli/catalogue.js';
import type { GardenctlCommand } from './cli/command.js';
import { helpText } from './cli/help.js';
import { type IO, paint } from './cli/io.js';
import { clipanionFlags, commandOf, explain, locate } from './cli/line.js';
import { Logger } from './cli/log.js';
import { COMMANDS, GROUPS } from './commands/index.js';
import { EXIT_ERROR, EXIT_OK, GardenctlError } from './errors.js';

function printError(io: IO, env: NodeJS.ProcessEnv, error: unknown): void {
  const label = paint(io.errColour, 'red', 'Error:');
  const err = error as Error;
  if (error instanceof GardenctlError)
    io.err.write(`${label} ${error.message}${error.hint ? `: ${error.hint}` : ''}\n`);
  else io.err.write(`${label} ${err?.message ?? String(error)}\n`);
  if (env.GCTL_DEBUG) io.err.write(`${err?.stack ?? ''}\n`);
}

/** Runs one gardenctl command line and answers with its exit status (0 ok, 1 any error, as gardenctl-v2). */
export async function run(argv: string[], env: NodeJS.ProcessEnv, io: IO): Promise<number> {
  try {
    const catalogue = new Catalogue(COMMANDS, GROUPS);
    if (argv[0] === '__complete') {
      const { printCompletions } = await import('./cli/complete.js');
      await printCompletions(catalogue, argv.slice(1), env, io);
      return EXIT_OK;
    }
    const helpWord = argv[0] === 'help';
    const line = await locate(catalogue, helpWord ? argv.slice(1) : argv);
    const found = await catalogue.command(line.path);
    const helpAsked = helpWord || line.help;
    const flags = helpAsked
      ? []
      : clipanionFlags(line, found?.path ?? line.path, await catalogue.flagsAt(line.path));
    if (helpAsked || (!found && line.args.length === 0)) {
      io.out.write(await helpText(catalogue, line.path));
      return EXIT_OK;
    }
    const entry = commandOf(catalogue, line, found);
    // the path first, then the flags, then the arguments (after `--`: they are never flags)
    const input = [...line.path, ...flags, ...(line.args.length > 0 ? ['--', ...line.args] : [])];
    let command: GardenctlCommand;
    try {
      command = entry.cli.process(input, { env, io, log: new Logger(io.err) }) as GardenctlCommand;
    } catch (error) {
      throw explain(error, entry, line);
    }
    await command.execute();
    return EXIT_OK;
  } catch (error) {
    printError(io, env, error);
    return EXIT_ERROR;
  }
}
