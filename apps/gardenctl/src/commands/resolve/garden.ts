import { Command } from 'clipanion';
import { ResolveCommand, type ResolveFlags } from './resolve.js';

export class ResolveGardenCommand extends ResolveCommand {
  static override paths = [['resolve', 'garden']];
  static override usage = Command.Usage({ description: 'Resolve garden for the current target' });

  protected readonly kind = 'garden';

  protected override given(): ResolveFlags {
    return { garden: this.garden };
  }
}
