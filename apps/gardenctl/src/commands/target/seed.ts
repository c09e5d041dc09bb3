import { Command, Option } from 'clipanion';
import { GardenctlCommand } from '../../cli/command.js';
import { seedNotTargetable } from '../../target/seeds.js';

/** gardener-ts seeds run control planes as processes: there is no seed cluster to target. */
export class TargetSeedCommand extends GardenctlCommand {
  static override paths = [['target', 'seed']];
  static override usage = Command.Usage({
    description: 'Target a seed (the local seed has no cluster to target)',
  });

  name = Option.String({ name: 'name', required: false });

  protected override async run(): Promise<void> {
    throw seedNotTargetable('seed');
  }
}
