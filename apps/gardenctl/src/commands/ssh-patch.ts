import { Command, Option } from 'clipanion';
import { GardenctlCommand } from '../cli/command.js';
import { paint } from '../cli/io.js';
import { targetOption } from '../cli/options.js';
import { GardenctlError, GardenctlErrorCode } from '../errors.js';
import { CORE } from '../garden/client.js';
import { type BastionObject, Bastions } from '../ssh/bastions.js';
import { checkCidrs, detectCidrOf } from '../ssh/cidr.js';
import { noGardenTargeted, noProjectTargeted } from '../target/manager.js';
import { manager, targetFlags } from './context.js';

/** `gardenctl ssh-patch [BASTION]`: the bastion accepts SSH from --cidr (or the detected address) from now on. */
export class SshPatchCommand extends GardenctlCommand {
  static override paths = [['ssh-patch']];
  static override usage = Command.Usage({
    description: 'Update the CIDRs a bastion accepts SSH from',
    examples: [
      ['the one bastion of the targeted shoot accepts your current address', 'gardenctl ssh-patch'],
      [
        'a named bastion, given networks',
        'gardenctl ssh-patch cli-abcd1234 --cidr 203.0.113.0/24 --cidr 198.51.100.7/32',
      ],
    ],
  });

  bastion = Option.String({ name: 'bastion', required: false });
  cidr = Option.Array('--cidr', {
    description: 'CIDR to allow access to the bastion from; repeat for more (default: detected)',
  });
  garden = targetOption.garden();
  project = targetOption.project();
  shoot = targetOption.shoot();

  protected override validate(): void {
    if (this.cidr?.length) this.cidr = checkCidrs(this.cidr);
  }

  protected override async run(): Promise<void> {
    const m = await manager(this);
    const target = await m.current(targetFlags(this));
    if (!target.garden) throw noGardenTargeted(m.config);
    if (!target.project && !target.shoot) throw noProjectTargeted();
    const resolved = await m.resolve(target);
    const namespace = resolved.namespace ?? '';
    const client = await m.client(resolved.target.garden ?? '');
    const bastions = new Bastions(client, namespace);
    const bastion = await chooseBastion(bastions, this.bastion, resolved.target.shoot);
    const name = bastion.metadata.name;
    let cidrs = this.cidr?.length ? this.cidr : undefined;
    if (!cidrs) {
      const shootName = bastion.spec?.shootRef?.name ?? '';
      const shoot = await client.get(
        `${CORE}/namespaces/${namespace}/shoots/${encodeURIComponent(shootName)}`,
      );
      cidrs = [await detectCidrOf(shoot)];
    }
    await bastions.setIngress(name, cidrs);
    this.io.out.write(
      `${paint(this.io.outColour, 'green', 'Successfully')} patched bastion ${name}: it accepts SSH from ${cidrs.join(', ')}\n`,
    );
  }
}

async function chooseBastion(
  bastions: Bastions,
  name: string | undefined,
  shoot: string | undefined,
): Promise<BastionObject> {
  if (name) {
    const found = await bastions.get(name);
    if (!found) {
      throw new GardenctlError(
        GardenctlErrorCode.NotFound,
        `bastion "${name}" not found`,
        "gardenctl ssh-patch without a name picks the targeted shoot's bastion",
      );
    }
    return found;
  }
  const mine = (await bastions.list()).filter(
    (b) =>
      b.metadata.name.startsWith('cli-') &&
      (!shoot || b.spec?.shootRef?.name === shoot) &&
      !b.metadata.deletionTimestamp,
  );
  if (mine.length === 1 && mine[0]) return mine[0];
  const scope = shoot ? `shoot "${shoot}"` : 'this project';
  throw new GardenctlError(
    mine.length === 0 ? GardenctlErrorCode.NotFound : GardenctlErrorCode.Ambiguous,
    mine.length === 0
      ? `no bastion of gardenctl for ${scope}`
      : `several bastions for ${scope}: ${mine.map((b) => b.metadata.name).join(', ')}`,
    mine.length === 0
      ? 'create one with gardenctl ssh --keep-bastion'
      : 'name one: gardenctl ssh-patch BASTION',
  );
}
