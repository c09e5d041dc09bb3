import { loadConfig, manager } from '../commands/context.js';
import { CORE } from '../garden/client.js';
import { isEmptyTarget } from '../target/target.js';
import type { Catalogue } from './catalogue.js';
import type { Completion } from './command.js';
import type { IO } from './io.js';
import { type Line, locate } from './line.js';
import { FLAG_COMPLETIONS } from './options.js';

/** Live names from the garden (the targeted one, or --garden/--project given before). */
async function valuesOf(
  completion: Completion | undefined,
  env: NodeJS.ProcessEnv,
  flags: Record<string, string>,
): Promise<string[]> {
  if (completion === undefined) return [];
  if (typeof completion !== 'string') return [...completion];
  const invocation = { env, config: flags.config };
  if (completion === 'gardens') return (await loadConfig(invocation)).gardenNames();
  const m = await manager(invocation);
  const target = await m.current({
    ...(flags.garden ? { garden: flags.garden } : {}),
    ...(flags.project ? { project: flags.project } : {}),
  });
  if (!target.garden || isEmptyTarget(target)) return [];
  const client = await m.client(target.garden);
  if (completion === 'projects') {
    return (await client.list(`${CORE}/projects`)).map((p) => p.metadata.name).sort();
  }
  const namespace = target.project ? await m.projectNamespace(target.garden, target.project) : undefined;
  return [...new Set((await m.shoots(target.garden, namespace)).map((s) => s.metadata.name))].sort();
}

/** The values of the flags given so far, by long name (`--garden local` → garden: local). */
function givenValues(line: Line): Record<string, string> {
  const given: Record<string, string> = {};
  for (const { token, value } of line.flags) {
    const [name = '', bound] = token.replace(/^-+/, '').split('=', 2);
    const text = bound ?? value;
    if (text !== undefined) given[name] = text;
  }
  return given;
}

async function candidates(
  catalogue: Catalogue,
  env: NodeJS.ProcessEnv,
  words: readonly string[],
  current: string,
): Promise<string[]> {
  const line = await locate(catalogue, words);
  const flags = await catalogue.flagsAt(line.path);
  const given = givenValues(line);
  const last = words[words.length - 1] ?? '';
  const pending = line.flags.some((f) => f.token === last && f.value === undefined)
    ? flags.find((f) => f.takesValue && f.names.includes(last))
    : undefined;
  if (pending) return valuesOf(FLAG_COMPLETIONS[pending.long], env, given);
  if (current.startsWith('--') && current.includes('=')) {
    const name = current.slice(2, current.indexOf('='));
    return (await valuesOf(FLAG_COMPLETIONS[name], env, given)).map((v) => `--${name}=${v}`);
  }
  if (current.startsWith('-')) return flags.map((f) => `--${f.long}`);
  const entry = await catalogue.command(line.path);
  const subcommands = catalogue.children(line.path);
  const argCompletion = entry?.klass.argCompletion;
  if (line.args.length === 0 && subcommands.length > 0 && !argCompletion) return subcommands;
  if (!entry?.args[0] || line.args.length > 0) return [];
  return valuesOf(argCompletion, env, given);
}

/**
 * `gardenctl __complete WORD… CURRENT`, what the completion scripts call: the candidates for
 * CURRENT, one per line. Completion never breaks the shell line; why it found nothing goes to stderr.
 */
export async function printCompletions(
  catalogue: Catalogue,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  io: IO,
): Promise<void> {
  const words = [...args];
  const current = words.pop() ?? '';
  let found: string[] = [];
  try {
    found = await candidates(catalogue, env, words, current);
  } catch (error) {
    io.err.write(`${(error as Error).message}\n`);
  }
  const matching = found.filter((c) => c.startsWith(current));
  if (matching.length > 0) io.out.write(`${matching.join('\n')}\n`);
}
