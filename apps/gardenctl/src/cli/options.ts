import { Option } from 'clipanion';
import { ACCESS_LEVELS, type AccessLevelChoice } from '../config/access-level.js';
import { usageError } from '../errors.js';
import { SHELLS } from '../shell/shells.js';
import { type Completion, oneOf } from './command.js';
import { OUTPUT_FORMATS } from './print.js';

/** `-o, --output yaml|json`; unset means the command's own default. */
export const outputOption = (fallback: string) =>
  Option.String('-o,--output', {
    description: `One of 'yaml' or 'json' (default ${fallback})`,
    validator: oneOf(OUTPUT_FORMATS),
  });

/** `--access-level admin|viewer|auto` and its shorthands `--admin`, `--viewer` (one of the three at most). */
export const accessLevelOption = {
  level: () =>
    Option.String('--access-level', {
      description: "shoot kubeconfig access level: 'admin', 'viewer' or 'auto' (admin, else viewer)",
      validator: oneOf(ACCESS_LEVELS),
    }),
  admin: () => Option.Boolean('--admin', false, { description: 'shorthand for --access-level=admin' }),
  viewer: () => Option.Boolean('--viewer', false, { description: 'shorthand for --access-level=viewer' }),
};

/** The access level the flags ask for; undefined leaves it to the garden's default. */
export function accessLevelOf(given: {
  accessLevel?: AccessLevelChoice | undefined;
  admin: boolean;
  viewer: boolean;
}): AccessLevelChoice | undefined {
  const set = [
    ...(given.accessLevel ? ['access-level'] : []),
    ...(given.admin ? ['admin'] : []),
    ...(given.viewer ? ['viewer'] : []),
  ];
  if (set.length > 1) {
    throw usageError(
      `if any flags in the group [access-level admin viewer] are set none of the others can be; [${set.join(' ')}] were all set`,
      'give one of --access-level LEVEL, --admin or --viewer',
    );
  }
  return given.accessLevel ?? (given.admin ? 'admin' : given.viewer ? 'viewer' : undefined);
}

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
  'default-shoot-access-level': ACCESS_LEVELS,
};
