import { Command, Option } from 'clipanion';
import { GardenctlCommand } from '../../cli/command.js';
import { accessLevelOf, accessLevelOption, targetOption } from '../../cli/options.js';
import { GardenctlError, GardenctlErrorCode, usageError } from '../../errors.js';
import type { TargetManager } from '../../target/manager.js';
import { seedNotTargetable } from '../../target/seeds.js';
import type { TargetFlags } from '../../target/target.js';
import { manager, targetFlags } from '../context.js';
import { reportTargeted } from './report.js';

/** `gardenctl target VALUE` (a pattern match) or `gardenctl target --garden … --project … --shoot …`. */
export class TargetCommand extends GardenctlCommand {
  static override paths = [['target']];
  static override usage = Command.Usage({
    description: 'Set scope for next operations, using subcommands or pattern',
    examples: [
      [
        'target project "my-project" of garden "my-garden"',
        'gardenctl target --garden my-garden --project my-project',
      ],
      [
        'target shoot "my-shoot" (its project is found when none is targeted)',
        'gardenctl target shoot my-shoot',
      ],
      [
        'target a shoot by pasting a URL that matches a pattern of a configured garden',
        'gardenctl target https://dashboard.example.com/namespace/garden-dev/shoots/demo',
      ],
    ],
  });

  value = Option.String({ name: 'value', required: false });
  garden = targetOption.garden();
  project = targetOption.project();
  shoot = targetOption.shoot();
  seed = targetOption.seed();
  controlPlane = targetOption.controlPlane();
  accessLevel = accessLevelOption.level();
  admin = accessLevelOption.admin();
  viewer = accessLevelOption.viewer();

  private flags: TargetFlags = {};

  protected override validate(): void {
    this.flags = targetFlags(this);
    accessLevelOf(this);
    if (!this.value?.trim() && !this.flags.garden && !this.flags.project && !this.flags.shoot) {
      throw usageError(
        'nothing to target',
        'run gardenctl target garden|project|shoot NAME, gardenctl target VALUE (matching a configured pattern), or use --garden/--project/--shoot',
      );
    }
  }

  protected override async run(): Promise<void> {
    const { flags } = this;
    const value = this.value?.trim();
    const m = await manager(this);
    m.requestedAccessLevel = accessLevelOf(this);
    if (value) {
      const overlay = await patternOverlay(m, flags, value);
      reportTargeted(this, m, await m.apply(overlay), `pattern "${value}"`);
      return;
    }
    const kind = flags.shoot ? 'shoot' : flags.project ? 'project' : 'garden';
    reportTargeted(this, m, await m.apply(flags), `${kind} "${flags[kind]}"`);
  }
}

/** What VALUE names through the garden's patterns, checked against the flags given with it. */
async function patternOverlay(m: TargetManager, flags: TargetFlags, value: string): Promise<TargetFlags> {
  const persisted = await m.persisted();
  const preferred = flags.garden ? m.config.garden(flags.garden).identity : persisted.garden;
  const match = m.config.matchPattern(preferred, value);
  if (match.seed) throw seedNotTargetable('seed');
  if (match.project && match.namespace) {
    throw new GardenctlError(
      GardenctlErrorCode.Config,
      `project "${match.project}" and namespace "${match.namespace}" set in target match value. It is forbidden to have both values set`,
      'fix the pattern so it captures either project or namespace',
    );
  }
  const project = match.namespace ? await m.projectOfNamespace(match.garden, match.namespace) : match.project;
  const conflicts: string[] = [];
  const check = (name: keyof TargetFlags, fromPattern: string | undefined, given = flags[name]) => {
    if (fromPattern && given && fromPattern !== given)
      conflicts.push(`--${name}=${given} contradicts pattern (${name}=${fromPattern})`);
  };
  if (flags.garden && preferred !== match.garden) check('garden', match.garden);
  check('project', project);
  check('shoot', match.shoot);
  if (conflicts.length > 0) throw usageError(conflicts.join('; '));
  const overlay: TargetFlags = { garden: match.garden };
  const projectName = project ?? flags.project;
  const shootName = match.shoot ?? flags.shoot;
  if (projectName) overlay.project = projectName;
  if (shootName) overlay.shoot = shootName;
  return overlay;
}
