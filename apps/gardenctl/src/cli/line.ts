import { UsageError } from 'clipanion';
import { usageError } from '../errors.js';
import { closest } from '../suggest.js';
import type { Catalogue, Entry, Flag } from './catalogue.js';

/** A command line split the way cobra does it: path words, arguments and flags, in any order. */
export interface Line {
  /** the command's words as typed (an alias stays an alias) */
  path: string[];
  args: string[];
  flags: { token: string; value?: string }[];
  help: boolean;
}

/**
 * Finds the command from the words that are not flags, as gardenctl-v2 (cobra) does: flags may
 * come before, between or after them. A flag takes the next word when the command found so far
 * says it takes a value; a flag it does not know (one of a subcommand named later) takes the next
 * word unless that word names the subcommand.
 */
export async function locate(catalogue: Catalogue, argv: readonly string[]): Promise<Line> {
  const line: Line = { path: [], args: [], flags: [], help: false };
  let known = await catalogue.flagsAt([]);
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] ?? '';
    if (token === '--') {
      line.args.push(...argv.slice(i + 1));
      break;
    }
    const attached = attachedValue(known, token);
    if (token === '-h' || token === '--help') line.help = true;
    else if (attached) line.flags.push(attached);
    else if (token.startsWith('-') && token !== '-') {
      const flag = known.find((f) => f.names.includes(token));
      const next = argv[i + 1];
      const takesNext =
        !token.includes('=') &&
        next !== undefined &&
        (flag ? flag.takesValue : line.args.length > 0 || !catalogue.leads([...line.path, next]));
      line.flags.push(takesNext ? { token, value: argv[++i] ?? '' } : { token });
    } else if (line.args.length === 0 && catalogue.leads([...line.path, token])) {
      line.path.push(token);
      known = await catalogue.flagsAt(line.path);
    } else line.args.push(token);
  }
  return line;
}

/** `-v6`, `-ojson`: a short flag with its value attached, as pflag reads it. */
function attachedValue(known: readonly Flag[], token: string): Line['flags'][number] | undefined {
  const m = /^(-[a-zA-Z])([^=].*)$/.exec(token);
  const flag = m && known.find((f) => f.takesValue && f.names.includes(m[1] ?? ''));
  return flag && m ? { token: m[1] ?? '', value: m[2] ?? '' } : undefined;
}

/** `gardenctl target view`: how messages name a command */
const named = (path: readonly string[]) => ['gardenctl', ...path].join(' ');

/** The command the line names; an unknown word gets the nearest commands there are. */
export function commandOf(catalogue: Catalogue, line: Line, entry: Entry | undefined): Entry {
  if (entry && (entry.args.length > 0 || line.args.length === 0)) return entry;
  const path = named(entry?.path ?? line.path);
  const word = line.args[0] ?? '';
  const near = closest(word, catalogue.children(line.path));
  throw usageError(
    `unknown command "${word}" for "${path}"`,
    near.length > 0 ? `did you mean "${path} ${near[0]}"?` : `run ${path} --help`,
  );
}

function unknownFlag(path: string, flags: readonly Flag[], name: string) {
  const near = closest(
    name.replace(/^-+/, ''),
    flags.map((f) => f.long),
  );
  return usageError(
    `unknown flag: ${name} for "${path}"`,
    near.length > 0 ? `did you mean --${near[0]}? (see ${path} --help)` : `see ${path} --help`,
  );
}

/** `--interactive=false` as clipanion takes it: `--no-interactive` (or nothing, when false is the default). */
function booleanTokens(flag: Flag, name: string, text: string | undefined): string[] {
  if (text === undefined || text === 'true' || text === '1') return [name];
  if (text !== 'false' && text !== '0')
    throw usageError(`invalid value "${text}" for flag --${flag.long}: want true or false`);
  return name.startsWith('--') && !name.startsWith('--no-') ? [`--no-${flag.long}`] : [];
}

/**
 * The flags as clipanion takes them: each bound to its value (`--user=VALUE`, so a value may start
 * with "-"), booleans as clipanion spells them. A flag the command does not have is a usage error.
 */
export function clipanionFlags(line: Line, path: readonly string[], known: readonly Flag[]): string[] {
  return line.flags.flatMap(({ token, value }) => {
    const eq = token.indexOf('=');
    const name = eq >= 0 ? token.slice(0, eq) : token;
    const flag = known.find((f) => f.names.includes(name));
    if (!flag) throw unknownFlag(named(path), known, name);
    const bound = eq >= 0 ? token.slice(eq + 1) : value;
    if (!flag.takesValue) return booleanTokens(flag, name, bound);
    if (bound === undefined)
      throw usageError(`flag needs an argument: --${flag.long}`, `see ${named(path)} --help`);
    return [`${name}=${bound}`];
  });
}

/** What clipanion refused, said the gardenctl way: what is wrong, and what to do. */
export function explain(error: unknown, entry: Entry, line: Line): unknown {
  const path = named(entry.path);
  if (error instanceof UsageError) {
    const message = error.message.replace(/^Invalid/, 'invalid');
    return usageError(message, `see ${path} --help`);
  }
  if (!(error instanceof Error) || !/SyntaxError$/.test(error.name)) return error;
  const missing = entry.args.filter((a) => a.required)[line.args.length];
  if (missing) {
    const values = entry.klass.argCompletion;
    return usageError(
      `"${path}" requires a ${missing.name} argument`,
      Array.isArray(values) ? `one of: ${values.join(', ')}` : `run ${path} --help`,
    );
  }
  if (line.args.length > entry.args.length)
    return usageError(`too many arguments for "${path}": ${line.args.join(' ')}`, `run ${path} --help`);
  return usageError(error.message.split('\n')[0] ?? 'invalid command line', `run ${path} --help`);
}
