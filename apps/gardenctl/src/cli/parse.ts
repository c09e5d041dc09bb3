import { usageError } from '../errors.js';
import { closest } from '../suggest.js';
import { type CommandSpec, type FlagSpec, type FlagValues, GLOBAL_FLAGS } from './spec.js';

export interface Parsed {
  chain: CommandSpec[];
  args: string[];
  flags: FlagValues;
}

export function flagsOf(chain: readonly CommandSpec[]): FlagSpec[] {
  const command = chain[chain.length - 1];
  return [...GLOBAL_FLAGS, ...(command?.flags ?? [])];
}

function findFlag(flags: readonly FlagSpec[], token: string): FlagSpec | undefined {
  return token.startsWith('--')
    ? flags.find((f) => f.name === token.slice(2))
    : flags.find((f) => f.short === token.slice(1));
}

export function findSubcommand(command: CommandSpec, name: string): CommandSpec | undefined {
  return command.subcommands?.find((c) => c.name === name || c.aliases?.includes(name));
}

/** Every flag name in the tree that takes a value, so pass one can skip values it does not own yet. */
function valueFlags(root: CommandSpec): Set<string> {
  const names = new Set<string>();
  const visit = (c: CommandSpec) => {
    for (const f of [...GLOBAL_FLAGS, ...(c.flags ?? [])]) {
      if (f.type !== 'bool') {
        names.add(`--${f.name}`);
        if (f.short) names.add(`-${f.short}`);
      }
    }
    for (const s of c.subcommands ?? []) visit(s);
  };
  visit(root);
  return names;
}

/**
 * Two passes, like cobra: first find the command from the words that are not flags (flags may
 * come before or after them), then parse the flags against that command's flag set.
 */
export function parse(root: CommandSpec, argv: readonly string[]): Parsed {
  const takesValue = valueFlags(root);
  const chain: CommandSpec[] = [root];
  const positionals: string[] = [];
  const flagTokens: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] ?? '';
    if (token === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (token.startsWith('-') && token !== '-') {
      flagTokens.push(token);
      if (!token.includes('=') && takesValue.has(token) && i + 1 < argv.length)
        flagTokens.push(argv[++i] ?? '');
      continue;
    }
    const current = chain[chain.length - 1] as CommandSpec;
    const sub = positionals.length === 0 ? findSubcommand(current, token) : undefined;
    if (sub) chain.push(sub);
    else positionals.push(token);
  }
  return { chain, args: positionals, flags: parseFlags(chain, flagTokens) };
}

function parseFlags(chain: CommandSpec[], tokens: string[]): FlagValues {
  const specs = flagsOf(chain);
  const values: FlagValues = {};
  const where = chain.map((c) => c.name).join(' ');
  for (let i = 0; i < tokens.length; i++) {
    const raw = tokens[i] ?? '';
    const eq = raw.indexOf('=');
    const token = eq >= 0 ? raw.slice(0, eq) : raw;
    const spec = findFlag(specs, token);
    if (!spec) {
      const near = closest(
        token.replace(/^-+/, ''),
        specs.map((f) => f.name),
      );
      throw usageError(
        `unknown flag: ${token} for "${where}"`,
        near.length > 0 ? `did you mean --${near[0]}? (see ${where} --help)` : `see ${where} --help`,
      );
    }
    if (spec.type === 'bool') {
      const text = eq >= 0 ? raw.slice(eq + 1) : 'true';
      if (!/^(true|false|1|0)$/.test(text))
        throw usageError(`invalid value "${text}" for flag --${spec.name}: want true or false`);
      values[spec.name] = text === 'true' || text === '1';
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = raw.slice(eq + 1);
    else if (i + 1 < tokens.length) value = tokens[++i];
    if (value === undefined)
      throw usageError(`flag needs an argument: --${spec.name}`, `see ${where} --help`);
    if (spec.values && !spec.values.includes(value)) {
      throw usageError(
        `invalid value "${value}" for flag --${spec.name}: must be one of ${spec.values.join(', ')}`,
      );
    }
    if (spec.type === 'strings')
      values[spec.name] = [...((values[spec.name] as string[] | undefined) ?? []), value];
    else values[spec.name] = value;
  }
  return values;
}
