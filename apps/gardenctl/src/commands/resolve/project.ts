import { Command } from 'clipanion';
import { ResolveScopedCommand } from './scoped.js';

export class ResolveProjectCommand extends ResolveScopedCommand {
  static override paths = [['resolve', 'project']];
  static override usage = Command.Usage({ description: 'Resolve project for the current target' });

  protected readonly kind = 'project';
}
