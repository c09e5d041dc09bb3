import { helpText } from './cli/help.js';
import { type IO, paint } from './cli/io.js';
import { parse } from './cli/parse.js';
import type { CommandSpec, RunContext } from './cli/spec.js';
import { ROOT } from './commands/tree.js';
import { EXIT_OK, exitCodeOf, GardenctlError, usageError } from './errors.js';
import { closest } from './suggest.js';

function checkArguments(chain: CommandSpec[], args: string[]): void {
  const command = chain[chain.length - 1] as CommandSpec;
  const path = chain.map((c) => c.name).join(' ');
  const specs = command.args ?? [];
  if (!command.run || (specs.length === 0 && args.length > 0)) {
    const word = args[0] ?? '';
    const near = closest(
      word,
      (command.subcommands ?? []).filter((c) => !c.hidden).map((c) => c.name),
    );
    throw usageError(
      `unknown command "${word}" for "${path}"`,
      near.length > 0 ? `did you mean "${path} ${near[0]}"?` : `run ${path} --help`,
    );
  }
  if (args.length > specs.length)
    throw usageError(`too many arguments for "${path}": ${args.join(' ')}`, `run ${path} --help`);
  specs.forEach((spec, i) => {
    const value = args[i];
    if (value === undefined) {
      if (spec.required) {
        throw usageError(
          `"${path}" requires a ${spec.name} argument`,
          spec.values ? `one of: ${spec.values.join(', ')}` : `run ${path} --help`,
        );
      }
      return;
    }
    if (spec.values && !spec.values.includes(value)) {
      throw usageError(
        `invalid ${spec.name} "${value}" for "${path}"`,
        `must be one of: ${spec.values.join(', ')}`,
      );
    }
  });
}

function printError(io: IO, error: unknown): void {
  const label = paint(io.errColour, 'red', 'Error:');
  const err = error as Error;
  if (error instanceof GardenctlError)
    io.err.write(`${label} ${error.message}${error.hint ? `: ${error.hint}` : ''}\n`);
  else io.err.write(`${label} ${err?.message ?? String(error)}\n`);
  if (process.env.GCTL_DEBUG) io.err.write(`${err?.stack ?? ''}\n`);
}

/** Runs one gardenctl command line and answers with its exit status (0 ok, 1 error, 2 usage). */
export async function run(argv: string[], env: NodeJS.ProcessEnv, io: IO): Promise<number> {
  try {
    if (argv[0] === '__complete') {
      const { runComplete } = await import('./commands/completion.js');
      await runComplete({ env, io, args: argv.slice(1), flags: {}, path: ['gardenctl', '__complete'] });
      return EXIT_OK;
    }
    const helpRequested = argv[0] === 'help';
    const { chain, args, flags } = parse(ROOT, helpRequested ? argv.slice(1) : argv);
    const command = chain[chain.length - 1] as CommandSpec;
    if (helpRequested || flags.help || (!command.run && args.length === 0)) {
      io.out.write(helpText(chain));
      return EXIT_OK;
    }
    checkArguments(chain, args);
    const handler = await (command.run as NonNullable<CommandSpec['run']>)();
    const ctx: RunContext = { env, io, args, flags, path: chain.map((c) => c.name) };
    await handler(ctx);
    return EXIT_OK;
  } catch (error) {
    printError(io, error);
    return exitCodeOf(error);
  }
}
