import { Command } from 'clipanion';
import { targetOption } from '../../cli/options.js';
import type { TargetFlags } from '../../target/target.js';
import { targetFlags } from '../context.js';
import { TargetKindCommand } from './kind.js';

export class TargetProjectCommand extends TargetKindCommand {
  static override paths = [['target', 'project']];
  static override usage = Command.Usage({ description: 'Target a project' });
  static override argCompletion = 'projects' as const;

  protected readonly kind = 'project';

  garden = targetOption.garden();

  protected override given(): TargetFlags {
    return targetFlags({ garden: this.garden });
  }
}
