import { Command, Option } from 'clipanion';
import { GardenctlCommand } from '../cli/command.js';
import { accessLevelOf, accessLevelOption, outputOption, targetOption } from '../cli/options.js';
import { printObject } from '../cli/print.js';
import { flatten, redact } from '../garden/kubeconfig.js';
import { noGardenTargeted } from '../target/manager.js';
import { manager, targetFlags } from './context.js';

/** The kubeconfig of the current target (with this command's target flags laid over it). */
export class KubeconfigCommand extends GardenctlCommand {
  static override paths = [['kubeconfig']];
  static override usage = Command.Usage({
    description: 'Print the kubeconfig for the current target',
    examples: [
      ['print the kubeconfig for the current target', 'gardenctl kubeconfig'],
      [
        'the garden kubeconfig with the namespace of project my-project',
        'gardenctl kubeconfig --garden my-garden --project my-project -o json',
      ],
    ],
  });

  output = outputOption('yaml');
  raw = Option.Boolean('--raw', false, { description: 'Display raw byte data (tokens and keys)' });
  minify = Option.Boolean('--minify', false, {
    description: 'Remove all information not used by current-context from the output',
  });
  flatten = Option.Boolean('--flatten', false, {
    description: 'Inline referenced certificate files (self-contained output)',
  });
  accessLevel = accessLevelOption.level();
  admin = accessLevelOption.admin();
  viewer = accessLevelOption.viewer();
  garden = targetOption.garden();
  project = targetOption.project();
  shoot = targetOption.shoot();

  protected override async run(): Promise<void> {
    const level = accessLevelOf(this);
    const m = await manager(this);
    m.requestedAccessLevel = level;
    const target = await m.current(targetFlags(this));
    if (!target.garden) throw noGardenTargeted(m.config);
    const resolved = await m.resolve(target);
    let kubeconfig = await m.kubeconfigFor(resolved);
    if (this.flatten) kubeconfig = flatten(kubeconfig);
    if (!this.raw) kubeconfig = redact(kubeconfig);
    await printObject(this.io, kubeconfig, this.output ?? 'yaml');
  }
}
