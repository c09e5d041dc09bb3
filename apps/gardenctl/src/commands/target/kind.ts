import { Option } from 'clipanion';
import { GardenctlCommand } from '../../cli/command.js';
import { accessLevelOf, accessLevelOption } from '../../cli/options.js';
import { usageError } from '../../errors.js';
import type { TargetFlags } from '../../target/target.js';
import { manager } from '../context.js';
import { reportTargeted } from './report.js';

export type TargetKind = 'garden' | 'project' | 'shoot';

/** `gardenctl target garden|project|shoot NAME`: the named level, checked against the garden, becomes the target. */
export abstract class TargetKindCommand extends GardenctlCommand {
  protected abstract readonly kind: TargetKind;

  name = Option.String({ name: 'name' });
  accessLevel = accessLevelOption.level();
  admin = accessLevelOption.admin();
  viewer = accessLevelOption.viewer();

  /** the target flags this level takes besides its name */
  protected given(): TargetFlags {
    return {};
  }

  protected override validate(): void {
    accessLevelOf(this);
    if (!this.name.trim()) {
      throw usageError(
        `target kind "${this.kind}" requires a name argument`,
        `run gardenctl target ${this.kind} NAME`,
      );
    }
  }

  protected override async run(): Promise<void> {
    const name = this.name.trim();
    const flags: TargetFlags = { ...this.given(), [this.kind]: name };
    const m = await manager(this);
    m.requestedAccessLevel = accessLevelOf(this);
    reportTargeted(this, m, await m.apply(flags), `${this.kind} "${name}"`);
  }
}
