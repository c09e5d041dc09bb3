import { Command } from 'clipanion';
import { TargetKindCommand } from './kind.js';

export class TargetGardenCommand extends TargetKindCommand {
  static override paths = [['target', 'garden']];
  static override usage = Command.Usage({ description: 'Target a garden' });
  static override argCompletion = 'gardens' as const;

  protected readonly kind = 'garden';
}
