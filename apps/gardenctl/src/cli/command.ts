import { type BaseContext, Command, Option } from 'clipanion';
import type { StrictValidator, ValidationState } from 'typanion';
import { usageError } from '../errors.js';
import type { IO } from './io.js';
import { type Logger, parseLevel } from './log.js';

/** What every command runs with: the environment, where it writes and logs (clipanion's context). */
export type GardenctlContext = BaseContext & { io: IO; log: Logger };

export const CONFIG_DESCRIPTION = 'config file (default is ~/.garden/gardenctl-v2.yaml)';
export const V_DESCRIPTION = 'number for the log level verbosity';

/** Live names a flag value or an argument completes to, or its fixed values. */
export type Completion = 'gardens' | 'projects' | 'shoots' | readonly string[];

/**
 * One gardenctl command in gardenctl-v2's `base.Options` shape: its flags and arguments are typed
 * fields (clipanion options), `complete` fills in what they leave open, `validate` refuses what
 * does not fit (usage errors) before anything is read or written, `run` does the work.
 */
export abstract class GardenctlCommand extends Command<GardenctlContext> {
  /** What the first argument completes to in the shell. */
  static argCompletion?: Completion;

  config = Option.String('--config', { description: CONFIG_DESCRIPTION });
  verbosity = Option.String('-v,--v', { description: V_DESCRIPTION });

  protected async complete(): Promise<void> {}

  protected validate(): void {}

  protected abstract run(): Promise<void>;

  async execute(): Promise<void> {
    const level = parseLevel(this.verbosity);
    if (level === undefined)
      throw usageError(
        `invalid argument "${this.verbosity}" for "-v, --v" flag`,
        'give a level such as -v 6',
      );
    this.context.log.level = level;
    await this.complete();
    this.validate();
    await this.run();
  }

  get env(): NodeJS.ProcessEnv {
    return this.context.env;
  }

  get io(): IO {
    return this.context.io;
  }

  get log(): Logger {
    return this.context.log;
  }
}

/**
 * A clipanion validator narrowing a value to one of `values` (the option is typed as their union).
 * clipanion reports a miss as "Invalid value for --flag: must be one of …", a usage error.
 * Written here rather than taken from typanion, whose module costs `target view` its start-up time.
 */
export function oneOf<const T extends string>(values: readonly T[]): StrictValidator<unknown, T> {
  const test = (value: unknown, state?: ValidationState): value is T => {
    if ((values as readonly unknown[]).includes(value)) return true;
    state?.errors?.push(`.: must be one of ${values.join(', ')} (got ${JSON.stringify(value)})`);
    return false;
  };
  // typanion's validators are plain functions; `Trait` only brands their type
  return test as StrictValidator<unknown, T>;
}
