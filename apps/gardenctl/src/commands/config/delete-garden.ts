import { Command, Option } from 'clipanion';
import { GardenctlCommand } from '../../cli/command.js';
import { GardenctlError, GardenctlErrorCode } from '../../errors.js';
import { closest } from '../../suggest.js';
import { loadConfig } from '../context.js';
import { gardenName } from './set-garden.js';

export class ConfigDeleteGardenCommand extends GardenctlCommand {
  static override paths = [['config', 'delete-garden']];
  static override usage = Command.Usage({
    description: 'Delete the specified garden from the gardenctl configuration',
  });
  static override argCompletion = 'gardens' as const;

  name = Option.String({ name: 'name' });

  protected override async complete(): Promise<void> {
    this.name = gardenName(this.name);
  }

  protected override async run(): Promise<void> {
    const config = await loadConfig(this);
    if (!config.deleteGarden(this.name)) {
      const near = closest(
        this.name,
        config.gardens.map((g) => g.identity),
      );
      throw new GardenctlError(
        GardenctlErrorCode.GardenNotConfigured,
        `garden "${this.name}" is not defined in gardenctl configuration`,
        near.length > 0 ? `did you mean "${near[0]}"?` : 'gardenctl config view lists the configured gardens',
      );
    }
    await config.save();
    this.io.out.write(`Successfully deleted garden "${this.name}"\n`);
  }
}
