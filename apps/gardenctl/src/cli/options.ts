import { Option } from 'clipanion';
import { SHELLS } from '../shell/shells.js';
import { type Completion, oneOf } from './command.js';
import { OUTPUT_FORMATS } from './print.js';

/** `-o, --output yaml|json`; unset means the command's own default. */
export const outputOption = (fallback: string) =>
  Option.String('-o,--output', {
    description: `One of 'yaml' or 'json' (default ${fallback})`,
    validator: oneOf(OUTPUT_FORMATS),
  });

export const ACCESS_LEVELS = ['admin', 'viewer'] as const;

/** The target flags; a command declares the ones it takes. */
export const targetOption = {
  garden: () => Option.String('--garden', { description: 'target the given garden cluster' }),
  project: () => Option.String('--project', { description: 'target the given project' }),
  shoot: () => Option.String('--shoot', { description: 'target the given shoot cluster' }),
  seed: () =>
    Option.String('--seed', { description: 'target the given seed (not possible with the local seed)' }),
  controlPlane: () =>
    Option.Boolean('--control-plane', false, {
      description: 'target the control plane of the shoot (not possible with the local seed)',
    }),
};

/** The SHELL argument of kubectl-env, provider-env, rc and completion. */
export const shellArgument = () => Option.String({ name: 'shell', validator: oneOf(SHELLS) });

/** What the values of flags complete to, by flag name (the same flag means the same everywhere). */
export const FLAG_COMPLETIONS: Readonly<Record<string, Completion>> = {
  garden: 'gardens',
  project: 'projects',
  shoot: 'shoots',
  output: OUTPUT_FORMATS,
  'access-level': ACCESS_LEVELS,
};
