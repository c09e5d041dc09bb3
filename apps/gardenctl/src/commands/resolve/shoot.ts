import { Command } from 'clipanion';
import { targetOption } from '../../cli/options.js';
import type { ResolveFlags } from './resolve.js';
import { ResolveScopedCommand } from './scoped.js';

export class ResolveShootCommand extends ResolveScopedCommand {
  static override paths = [['resolve', 'shoot']];
  static override usage = Command.Usage({
    description: 'Resolve shoot for the current target',
    details: `Resolve shoot for the current target.
Prints the garden, project, seed and shoot the current target (with the flags of this command laid
over it) translates to. A garden and a shoot must be targeted or given as flags. gardenctl-v2 also
resolves a managed seed (--seed, or --control-plane) to the shoot behind it; gardener-ts seeds have
no shoot behind them, which this command says.`,
    examples: [
      ['resolve the targeted shoot', 'gardenctl resolve shoot'],
      [
        'as JSON, for a shoot named in full',
        'gardenctl resolve shoot --garden local --project dev --shoot demo -o json',
      ],
    ],
  });

  controlPlane = targetOption.controlPlane();

  protected readonly kind = 'shoot';

  protected override given(): ResolveFlags {
    return { ...super.given(), controlPlane: this.controlPlane };
  }
}
