import { Command } from 'clipanion';
import { ResolveScopedCommand } from './scoped.js';

export class ResolveSeedCommand extends ResolveScopedCommand {
  static override paths = [['resolve', 'seed']];
  static override usage = Command.Usage({ description: 'Resolve seed for the current target' });

  protected readonly kind = 'seed';
}
