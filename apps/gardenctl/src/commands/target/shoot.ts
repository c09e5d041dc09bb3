import { Command } from 'clipanion';
import { targetOption } from '../../cli/options.js';
import type { TargetFlags } from '../../target/target.js';
import { targetFlags } from '../context.js';
import { TargetKindCommand } from './kind.js';

export class TargetShootCommand extends TargetKindCommand {
  static override paths = [['target', 'shoot']];
  static override usage = Command.Usage({
    description: 'Target a shoot (its project is found when none is targeted)',
  });
  static override argCompletion = 'shoots' as const;

  protected readonly kind = 'shoot';

  garden = targetOption.garden();
  project = targetOption.project();

  protected override given(): TargetFlags {
    return targetFlags({ garden: this.garden, project: this.project });
  }
}
