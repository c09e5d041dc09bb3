import { Command } from 'clipanion';
import { GardenctlCommand } from '../../cli/command.js';
import { outputOption, targetOption } from '../../cli/options.js';
import { sessionDir } from '../../session/session.js';
import { compact, mergeTarget, TARGET_KEYS, type Target, validateTarget } from '../../target/target.js';
import { readTarget } from '../../target/target-file.js';
import { loadConfig, targetFlags } from '../context.js';

const NEEDS_QUOTES = /^(true|false|yes|no|on|off|null|~|[-+.\d].*|.*[:#{}[\],&*?|<>=!%@`'"].*)$/i;

/** Flat YAML without the YAML library: this command must start fast (≤ 150 ms). */
function flatYaml(t: Target): string {
  const lines = TARGET_KEYS.filter((k) => t[k]).map((k) => {
    const v = t[k] as string;
    return `${k}: ${NEEDS_QUOTES.test(v) ? JSON.stringify(v) : v}`;
  });
  if (t.controlPlane) lines.push('controlPlane: true');
  return lines.length > 0 ? `${lines.join('\n')}\n` : '{}\n';
}

/** `gardenctl target view`: the session's target, with this command's flags laid over it. */
export class TargetViewCommand extends GardenctlCommand {
  static override paths = [['target', 'view']];
  static override usage = Command.Usage({ description: 'Print the current target' });

  output = outputOption('yaml');
  garden = targetOption.garden();
  project = targetOption.project();
  shoot = targetOption.shoot();

  protected override async run(): Promise<void> {
    const flags = targetFlags({ garden: this.garden, project: this.project, shoot: this.shoot });
    // Only an alias given as --garden needs the config (to name the garden by its identity).
    if (flags.garden) flags.garden = (await loadConfig(this)).garden(flags.garden).identity;
    const target = compact(mergeTarget(await readTarget(sessionDir(this.env)), flags));
    validateTarget(target);
    this.io.out.write(this.output === 'json' ? `${JSON.stringify(target, null, 2)}\n` : flatYaml(target));
  }
}
