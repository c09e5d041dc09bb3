import { Cli, type CommandClass, type Usage } from 'clipanion';
import { CONFIG_DESCRIPTION, type Completion, type GardenctlContext, V_DESCRIPTION } from './command.js';

export type GardenctlCommandClass = CommandClass<GardenctlContext> & { argCompletion?: Completion };

/** A command as the index lists it: its paths (the first one, then aliases) and how to load its class. */
export interface CommandRef {
  paths: readonly (readonly string[])[];
  load(): Promise<GardenctlCommandClass>;
}

/** A word that only leads to subcommands (`config`, and gardenctl itself at the empty path). */
export interface Group {
  path: readonly string[];
  usage: Usage;
}

export interface Flag {
  /** as written: `-o`, `--output` */
  names: string[];
  /** the long name without dashes: `output` */
  long: string;
  short?: string;
  takesValue: boolean;
  description: string;
}

export interface Arg {
  name: string;
  required: boolean;
}

/** A loaded command: its class registered with clipanion, and what clipanion's definition says of it. */
export interface Entry {
  klass: GardenctlCommandClass;
  cli: Cli<GardenctlContext>;
  /** the first of its paths; the others are aliases */
  path: readonly string[];
  paths: readonly (readonly string[])[];
  usage: Usage;
  flags: Flag[];
  args: Arg[];
}

const CONFIG_FLAG: Flag = {
  names: ['--config'],
  long: 'config',
  takesValue: true,
  description: CONFIG_DESCRIPTION,
};
const HELP_FLAG: Flag = {
  names: ['-h', '--help'],
  long: 'help',
  short: 'h',
  takesValue: false,
  description: 'help for this command',
};
const V_FLAG: Flag = {
  names: ['-v', '--v'],
  long: 'v',
  short: 'v',
  takesValue: true,
  description: V_DESCRIPTION,
};
/** the flags of every command (each command class has `--config` and `-v`; the adapter answers `--help`) */
export const GLOBAL_FLAGS: readonly Flag[] = [CONFIG_FLAG, HELP_FLAG, V_FLAG];
const GLOBAL_NAMES = new Set(GLOBAL_FLAGS.map((f) => f.long));

const same = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((word, i) => word === b[i]);
const startsWith = (path: readonly string[], prefix: readonly string[]) =>
  prefix.every((word, i) => path[i] === word);

function flagOf(definition: string, description: string): Flag {
  const [spec = ''] = definition.split(' ');
  const names = spec.split(',');
  const long = names.find((n) => n.startsWith('--'))?.slice(2) ?? '';
  const short = names.find((n) => /^-[^-]/.test(n))?.slice(1);
  return { names, long, ...(short ? { short } : {}), takesValue: definition.includes(' #'), description };
}

/** `gardenctl ssh [node]` after the path: the positional arguments clipanion's usage line names. */
function argsOf(usage: string, path: readonly string[]): Arg[] {
  return usage
    .split(' ')
    .slice(1 + path.length)
    .flatMap((word): Arg[] => {
      const required = /^<(.+)>$/.exec(word);
      if (required?.[1]) return [{ name: required[1], required: true }];
      const optional = /^\[([^-].*)\]$/.exec(word);
      return optional?.[1] ? [{ name: optional[1], required: false }] : [];
    });
}

/**
 * The commands gardenctl has. Paths are known up front; a command's class (and what its module
 * imports) loads only when a command line reaches it, and is registered with clipanion alone, so
 * that `gardenctl target view` pays for one command.
 */
export class Catalogue {
  private readonly loaded = new Map<CommandRef, Promise<Entry>>();

  constructor(
    private readonly refs: readonly CommandRef[],
    private readonly groups: readonly Group[],
  ) {}

  private ref(path: readonly string[]): CommandRef | undefined {
    return this.refs.find((r) => r.paths.some((p) => same(p, path)));
  }

  /** The command at `path`, loaded. */
  command(path: readonly string[]): Promise<Entry> | undefined {
    const ref = this.ref(path);
    if (!ref) return undefined;
    let entry = this.loaded.get(ref);
    if (!entry) {
      entry = this.load(ref);
      this.loaded.set(ref, entry);
    }
    return entry;
  }

  private async load(ref: CommandRef): Promise<Entry> {
    const klass = await ref.load();
    const path = ref.paths[0] ?? [];
    const paths = klass.paths ?? [];
    if (paths.length !== ref.paths.length || !paths.every((p, i) => same(p, ref.paths[i] ?? [])))
      throw new Error(`the command index lists other paths for ${klass.name} than it declares`);
    const cli = Cli.from<GardenctlContext>([klass], { binaryName: 'gardenctl' });
    const [definition] = cli.definitions();
    if (!definition || !klass.usage) throw new Error(`${klass.name} has no usage`);
    return {
      klass,
      cli,
      path,
      paths,
      usage: klass.usage,
      flags: definition.options.map((o) => flagOf(o.definition, o.description ?? '')),
      args: argsOf(definition.usage, path),
    };
  }

  group(path: readonly string[]): Group | undefined {
    return this.groups.find((g) => same(g.path, path));
  }

  /** Whether more words can follow `path` (or end there) on the way to a command. */
  leads(path: readonly string[]): boolean {
    return (
      this.refs.some((r) => r.paths.some((p) => startsWith(p, path))) ||
      this.groups.some((g) => startsWith(g.path, path))
    );
  }

  /** The words that may follow `path`, in the order the index lists commands. */
  children(path: readonly string[]): string[] {
    const names = [...this.refs.map((r) => r.paths[0] ?? []), ...this.groups.map((g) => g.path)]
      .filter((p) => p.length > path.length && startsWith(p, path))
      .map((p) => p[path.length] ?? '');
    return [...new Set(names)];
  }

  /** What the command or group at `path` does, in a line (loads the command). */
  async summary(path: readonly string[]): Promise<string> {
    const usage = this.group(path)?.usage ?? (await this.command(path))?.usage;
    return usage?.description ?? '';
  }

  /** The flags at `path`: the command's own followed by the global ones (a group has only those). */
  async flagsAt(path: readonly string[]): Promise<Flag[]> {
    const entry = await this.command(path);
    return [...(entry?.flags.filter((f) => !GLOBAL_NAMES.has(f.long)) ?? []), ...GLOBAL_FLAGS];
  }
}
