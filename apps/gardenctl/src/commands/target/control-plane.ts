import { Command } from 'clipanion';
import { GardenctlCommand } from '../../cli/command.js';
import { seedNotTargetable } from '../../target/seeds.js';

/** A shoot's control plane runs as processes on the local seed: there is no cluster to target. */
export class TargetControlPlaneCommand extends GardenctlCommand {
  static override paths = [['target', 'control-plane']];
  static override usage = Command.Usage({
    description: "Target the shoot's control plane (the local seed has no cluster to target)",
  });

  protected override async run(): Promise<void> {
    throw seedNotTargetable('control-plane');
  }
}
