import { Command, Option } from 'clipanion';
import { GardenctlCommand, oneOf } from '../../cli/command.js';
import { warn } from '../../cli/io.js';
import { GardenctlError, GardenctlErrorCode } from '../../errors.js';
import { manager } from '../context.js';

const KINDS = ['garden', 'project', 'shoot', 'seed', 'control-plane'] as const;

/** `gardenctl target unset KIND`: drops that level and the ones below it. */
export class TargetUnsetCommand extends GardenctlCommand {
  static override paths = [['target', 'unset']];
  static override usage = Command.Usage({
    description: 'Unset target',
    examples: [
      ['unset selected shoot', 'gardenctl target unset shoot'],
      ['unset garden; this also unsets a targeted project and shoot', 'gardenctl target unset garden'],
    ],
  });
  static override argCompletion = KINDS;

  kind = Option.String({ name: 'kind', validator: oneOf(KINDS) });

  protected override async run(): Promise<void> {
    const kind = this.kind;
    if (kind === 'seed' || kind === 'control-plane') {
      throw new GardenctlError(
        GardenctlErrorCode.NotFound,
        `no ${kind === 'seed' ? 'seed' : 'control plane'} targeted`,
        'the local seed has no cluster to target, so there is nothing to unset',
      );
    }
    const m = await manager(this);
    const { name, target } = await m.unset(kind);
    try {
      await m.relink({ target });
    } catch (error) {
      warn(this.io, `the session kubeconfig could not be updated: ${(error as Error).message}`);
    }
    this.io.out.write(`Successfully unset targeted ${kind} "${name}"\n`);
  }
}
