import { Command } from 'clipanion';
import { GardenctlCommand } from '../../cli/command.js';
import { outputOption } from '../../cli/options.js';
import { printObject } from '../../cli/print.js';
import { loadConfig } from '../context.js';

export class ConfigViewCommand extends GardenctlCommand {
  static override paths = [['config', 'view']];
  static override usage = Command.Usage({ description: 'Print the gardenctl configuration' });

  output = outputOption('yaml');

  protected override async run(): Promise<void> {
    const config = await loadConfig(this);
    await printObject(this.io, config.doc, this.output ?? 'yaml');
  }
}
