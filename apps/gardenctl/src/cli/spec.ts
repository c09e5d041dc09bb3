import type { IO } from './io.js';

/** Live names a flag value or argument can complete to. */
export type Completer = 'gardens' | 'projects' | 'shoots' | 'files';

export interface FlagSpec {
  name: string;
  short?: string;
  /** `strings` may repeat (`--pattern a --pattern b`). */
  type: 'string' | 'bool' | 'strings';
  description: string;
  values?: readonly string[];
  complete?: Completer;
}

export interface ArgSpec {
  name: string;
  required?: boolean;
  values?: readonly string[];
  complete?: Completer;
}

export type FlagValues = Record<string, string | boolean | string[] | undefined>;

export interface RunContext {
  env: NodeJS.ProcessEnv;
  io: IO;
  args: string[];
  flags: FlagValues;
  /** e.g. ['gardenctl', 'target', 'view'] */
  path: string[];
}

export type Handler = (ctx: RunContext) => Promise<void>;

export interface CommandSpec {
  name: string;
  aliases?: readonly string[];
  summary: string;
  description?: string;
  examples?: string;
  flags?: readonly FlagSpec[];
  args?: readonly ArgSpec[];
  subcommands?: readonly CommandSpec[];
  hidden?: boolean;
  /** Loaded only when this command runs, so each command pays only for the modules it uses. */
  run?: () => Promise<Handler>;
}

export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  {
    name: 'config',
    type: 'string',
    description: 'config file (default is ~/.garden/gardenctl-v2.yaml)',
    complete: 'files',
  },
  { name: 'help', short: 'h', type: 'bool', description: 'help for this command' },
];
