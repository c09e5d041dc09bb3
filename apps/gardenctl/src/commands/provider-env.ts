import { Command, Option } from 'clipanion';
import { GardenctlCommand } from '../cli/command.js';
import { shellArgument, targetOption } from '../cli/options.js';
import { GardenctlError, GardenctlErrorCode } from '../errors.js';
import { SHELLS } from '../shell/shells.js';
import { noShootTargeted } from '../target/manager.js';
import { manager, targetFlags } from './context.js';

/** Clouds whose credentials provider-env knows how to export; none yet besides `local`, which has none. */
export class ProviderEnvCommand extends GardenctlCommand {
  static override paths = [['provider-env'], ['p-env']];
  static override usage = Command.Usage({
    description: "Generate the cloud provider CLI configuration script for the targeted shoot's cloud",
  });
  static override argCompletion = SHELLS;

  shell = shellArgument();
  unset = Option.Boolean('-u,--unset', false, {
    description: 'Generate the script to unset the cloud provider CLI environment variables',
  });
  garden = targetOption.garden();
  project = targetOption.project();
  shoot = targetOption.shoot();
  controlPlane = targetOption.controlPlane();

  protected override async run(): Promise<void> {
    const m = await manager(this);
    const target = await m.current(targetFlags(this));
    if (!target.shoot) throw noShootTargeted();
    const resolved = await m.resolve(target);
    const type = (resolved.shoot?.spec?.provider as { type?: string } | undefined)?.type ?? 'unknown';
    if (type === 'local') {
      this.io.err.write(
        `no credentials: shoot "${target.shoot}" runs on the local provider, which uses no cloud account, so there are no provider credentials to ${this.unset ? 'unset' : 'export'}\n`,
      );
      return;
    }
    throw new GardenctlError(
      GardenctlErrorCode.Unsupported,
      `provider-env does not support provider type "${type}" of shoot "${target.shoot}" yet`,
      "read the cloud credentials from the shoot's credentials binding in the garden",
    );
  }
}
