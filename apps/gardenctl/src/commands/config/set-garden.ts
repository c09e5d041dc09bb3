import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'clipanion';
import { GardenctlCommand } from '../../cli/command.js';
import { warn } from '../../cli/io.js';
import { ACCESS_LEVELS, type AccessLevelChoice, isAccessLevel } from '../../config/access-level.js';
import { validateGardenName } from '../../config/config.js';
import { expandHome } from '../../config/paths.js';
import { validatePattern } from '../../config/patterns.js';
import { usageError } from '../../errors.js';
import { loadConfig } from '../context.js';

/** The garden name argument, trimmed; a blank one is a usage error. */
export function gardenName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed) throw usageError('garden identity is required', 'pass the garden name as the first argument');
  return trimmed;
}

/** `gardenctl config set-garden NAME`: adds a garden to the configuration, or changes one. */
export class ConfigSetGardenCommand extends GardenctlCommand {
  static override paths = [['config', 'set-garden']];
  static override usage = Command.Usage({
    description: 'Modify or add a garden to the gardenctl configuration',
    details:
      'Modify or add a garden to the gardenctl configuration.\nA valid garden configuration consists of a name (required), kubeconfig path (required), a context as well as any number of patterns.',
    examples: [
      [
        'add garden my-garden with the kubeconfig the set-up wrote',
        'gardenctl config set-garden my-garden --kubeconfig ~/.gardener-ts/garden-kubeconfig.yaml',
      ],
      [
        'target shoots by pasting dashboard-like URLs',
        'gardenctl config set-garden my-garden --pattern "^https://dashboard\\.example\\.com/namespace/(?P<namespace>[^/]+)/shoots/(?P<shoot>[^/]+)"',
      ],
    ],
  });
  static override argCompletion = 'gardens' as const;

  name = Option.String({ name: 'name' });
  kubeconfig = Option.String('--kubeconfig', {
    description: 'path to kubeconfig file for this garden cluster',
  });
  /** `--context` (clipanion's `context` is the command's environment) */
  kubeContext = Option.String('--context', {
    description: 'override the current-context of the garden cluster kubeconfig',
  });
  alias = Option.String('--alias', {
    description: 'unique alias of this garden that can be used instead of the name to target this garden',
  });
  pattern = Option.Array('--pattern', {
    description:
      'regex match pattern for targeting (named groups: project, namespace, shoot, seed); replaces the list, repeat for more, "" clears',
  });
  defaultShootAccessLevel = Option.String('--default-shoot-access-level', {
    description:
      'default kubeconfig access level when targeting shoots in this garden. One of "admin", "viewer", "auto". Pass an empty value to unset (admin)',
  });
  /** `--default-shoot-access-level`, checked ("" unsets it) */
  private shootDefault: AccessLevelChoice | '' | undefined;

  protected override async complete(): Promise<void> {
    this.name = gardenName(this.name);
    // Stored absolute: a relative path would depend on the directory gardenctl runs in.
    if (this.kubeconfig) this.kubeconfig = resolve(expandHome(this.kubeconfig));
  }

  protected override validate(): void {
    validateGardenName(this.name);
    if (this.alias) validateGardenName(this.alias, 'garden alias');
    for (const pattern of this.pattern ?? []) if (pattern !== '') validatePattern(pattern);
    const level = this.defaultShootAccessLevel;
    if (level !== undefined && level !== '' && !isAccessLevel(level)) {
      throw usageError(
        `invalid kubeconfig access level "${level}": must be one of ${ACCESS_LEVELS.map((l) => `"${l}"`).join(', ')}`,
        'or pass an empty value to unset it',
      );
    }
    this.shootDefault = level;
  }

  protected override async run(): Promise<void> {
    const { name, kubeconfig, alias, pattern } = this;
    if (kubeconfig && !existsSync(kubeconfig)) warn(this.io, `kubeconfig ${kubeconfig} does not exist (yet)`);
    const config = await loadConfig(this);
    if (!config.gardens.some((g) => g.identity === name) && !kubeconfig) {
      throw usageError(`garden "${name}" is new and needs a kubeconfig`, `add --kubeconfig FILE`);
    }
    config.setGarden({
      identity: name,
      ...(kubeconfig !== undefined ? { kubeconfig } : {}),
      ...(this.kubeContext !== undefined ? { context: this.kubeContext } : {}),
      ...(alias !== undefined ? { alias } : {}),
      ...(pattern !== undefined ? { patterns: pattern } : {}),
      ...(this.shootDefault !== undefined ? { defaultShootAccessLevel: this.shootDefault } : {}),
    });
    await config.save();
    this.io.out.write(`Successfully configured garden "${name}"\n`);
    if (this.shootDefault !== undefined) {
      this.io.err.write(
        '\nNote: existing session kubeconfigs are not regenerated. Run `gardenctl target` again for the new access level to take effect.\n',
      );
    }
  }
}
