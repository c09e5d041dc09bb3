import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseCidr } from '@gardener-ts/api';
import { localGatewayAddress, localNetworkNames } from '@gardener-ts/infra/stacks';
import { baseImageRootfs } from '@gardener-ts/infra/toolchain';
import type { BastionActuator, BastionContext, BastionStatus } from '../../../bastion/actuator.js';
import { ExtensionError, GardenerErrorCode } from '../../../errors.js';
import { AddressPool } from '../machines/address-pool.js';
import { run } from '../machines/commands.js';
import { addressClaimDir, defaultMachineRoot, type MachineLayout, shootDir } from '../machines/layout.js';
import { ensureMachineNetwork, removeMachineNetwork, requireBridge } from '../machines/network.js';
import { ensureOverlay, removeOverlay } from '../machines/overlay.js';
import { Runc } from '../machines/runc.js';
import { readBastionHostKey, writeBastionFiles } from './bastion-files.js';
import { admitToNodes, applyBastionFirewall, dismissFromNodes } from './bastion-firewall.js';
import {
  addressHolderOf,
  BASTION_CGROUP_PARENT,
  bastionLayout,
  bastionRuncRoot,
  bastionsRoot,
} from './bastion-layout.js';
import { bastionRuntimeSpec } from './bastion-runtime-spec.js';

const CGROUP_ROOT = '/sys/fs/cgroup';

export interface LocalBastionActuatorOptions {
  /** the machines' state root (bastions share its address pools); default as the machine driver's */
  readonly root?: string;
  /** the read-only lower layer; default the toolchain's Debian base image */
  readonly baseImage?: string;
  /** how long sshd may take to listen after the bastion starts */
  readonly readyTimeoutMs?: number;
}

/**
 * The local cloud's bastion: a small runc container in its own network namespace on the shoot's
 * bridge, with an address from the shoot's node pool, whose sshd lets only the given key in from
 * the ingress networks and forwards only to the nodes' port 22. Its address joins the shoot's
 * nftables `bastions` sets, which is what lets it (and through it, users) reach the nodes.
 */
export class LocalBastionActuator implements BastionActuator {
  private readonly root: string;
  private readonly baseImage: string;
  private readonly runc: Runc;

  constructor(private readonly options: LocalBastionActuatorOptions = {}) {
    this.root = options.root ?? defaultMachineRoot();
    this.baseImage = options.baseImage ?? baseImageRootfs();
    this.runc = new Runc(bastionRuncRoot(this.root));
  }

  async reconcile(context: BastionContext): Promise<BastionStatus> {
    const network = networkOf(context);
    const layout = this.layout(context);
    return converge(`bastion ${context.id}`, async () => {
      await requireBridge(network.bridge).catch((error: Error) => {
        throw new ExtensionError(error.message, [GardenerErrorCode.RetryableInfraDependencies]);
      });
      if (!existsSync(join(this.baseImage, 'usr', 'sbin', 'sshd'))) {
        throw new ExtensionError(
          `the machine base image is not built (${this.baseImage}): run \`npm run up\``,
          [GardenerErrorCode.RetryableInfraDependencies],
        );
      }
      await mkdir(layout.dir, { recursive: true, mode: 0o700 });
      const address = await this.addresses(context).claim(
        addressHolderOf(context.id),
        network.cidr,
        network.gateway,
      );
      await ensureMachineNetwork(layout, {
        bridge: network.bridge,
        address,
        prefix: network.cidr.prefix,
        gateway: network.gateway,
      });
      await applyBastionFirewall(layout, context.ingressCidrs, {
        cidr: network.nodesCidr,
        gateway: network.gateway,
      });
      await ensureOverlay(layout, this.baseImage);
      // the overlay's root takes the upper directory's 0700: sshd, as user gardener, must traverse it
      await chmod(layout.rootfs, 0o755);
      const hostname = nameOf(context);
      const changed = await writeBastionFiles(
        layout.rootfs,
        { hostname, sshPublicKey: context.sshPublicKey, ingressCidrs: context.ingressCidrs },
        layout.dir,
      );
      await this.ensureRunning(layout, hostname, changed);
      await this.waitListening(layout);
      await admitToNodes(context.technicalId, address);
      await writeFile(join(layout.dir, 'address'), address, { mode: 0o600 });
      const hostKey = await readBastionHostKey(layout.upper);
      return { ip: address, ...(hostKey ? { hostKey } : {}) };
    });
  }

  async delete(context: BastionContext): Promise<void> {
    const layout = this.layout(context);
    await converge(`bastion ${context.id}`, async () => {
      await this.runc.remove(layout.containerId);
      await removeOverlay(layout);
      await removeMachineNetwork(layout);
      const address = await this.addressOf(context, layout);
      if (address) await dismissFromNodes(context.technicalId, address);
      await this.addresses(context).release(addressHolderOf(context.id));
      await rm(layout.dir, { recursive: true, force: true });
      await this.removeEmptyDirs(context.technicalId);
    });
  }

  private layout(context: BastionContext): MachineLayout {
    if (!/^[a-z0-9][-a-z0-9.]*$/.test(context.id)) {
      throw new ExtensionError(`bastion id "${context.id}" is not a DNS name`, [
        GardenerErrorCode.ConfigurationProblem,
      ]);
    }
    return bastionLayout(this.root, context.id);
  }

  private addresses(context: BastionContext): AddressPool {
    return new AddressPool(addressClaimDir(this.root, context.technicalId));
  }

  /** the address the bastion held: its own record, else its claim in the pool */
  private async addressOf(context: BastionContext, layout: MachineLayout): Promise<string | undefined> {
    const recorded = await readFile(join(layout.dir, 'address'), 'utf8').catch(() => undefined);
    if (recorded) return recorded.trim();
    for (const [address, holder] of await this.addresses(context).claims()) {
      if (holder === addressHolderOf(context.id)) return address;
    }
    return undefined;
  }

  /** A stopped container is replaced (its disk, and so its host key, stays); changed access is reloaded. */
  private async ensureRunning(
    layout: MachineLayout,
    hostname: string,
    accessChanged: boolean,
  ): Promise<void> {
    const state = await this.runc.state(layout.containerId);
    if (state?.status === 'running') {
      if (accessChanged)
        await this.runc.exec(layout.containerId, ['/bin/sh', '-c', 'kill -HUP "$(cat /run/sshd.pid)"']);
      return;
    }
    if (state) await this.runc.remove(layout.containerId);
    await writeFile(join(layout.bundle, 'config.json'), JSON.stringify(bastionRuntimeSpec(layout, hostname)));
    await mkdir(bastionRuncRoot(this.root), { recursive: true, mode: 0o700 });
    await this.runc.runDetached(layout.containerId, layout.bundle, layout.console);
  }

  private async waitListening(layout: MachineLayout): Promise<void> {
    const deadline = Date.now() + (this.options.readyTimeoutMs ?? 15_000);
    for (;;) {
      const listening = await run('ip', [
        'netns',
        'exec',
        layout.netns,
        'ss',
        '-Hltn',
        'sport',
        '=',
        ':22',
      ]).catch(() => '');
      if (listening.trim()) return;
      if (Date.now() > deadline) {
        const log = await readFile(layout.console, 'utf8').catch(() => '');
        throw new Error(`sshd of the bastion did not listen within the timeout: ${log.slice(-500)}`);
      }
      await sleep(100);
    }
  }

  /** the bastions' directories and parent cgroups, and the shoot's machine directories, go once empty */
  private async removeEmptyDirs(technicalId: string): Promise<void> {
    const shoot = shootDir(this.root, technicalId);
    const hierarchies = await readdir(CGROUP_ROOT).catch(() => [] as string[]);
    const cgroups = hierarchies.map((hierarchy) => join(CGROUP_ROOT, hierarchy, BASTION_CGROUP_PARENT));
    for (const path of [
      addressClaimDir(this.root, technicalId),
      shoot,
      bastionsRoot(this.root),
      ...cgroups,
    ]) {
      await rmdir(path).catch(() => undefined);
    }
  }
}

interface BastionNetwork {
  readonly bridge: string;
  readonly nodesCidr: string;
  readonly cidr: NonNullable<ReturnType<typeof parseCidr>>;
  readonly gateway: string;
}

/** The shoot's node network: its CIDR from the context, the rest as the local Infrastructure names it. */
function networkOf(context: BastionContext): BastionNetwork {
  const nodesCidr = context.infrastructure.nodesCidr;
  const cidr = nodesCidr ? parseCidr(nodesCidr) : undefined;
  if (!nodesCidr || !cidr || cidr.prefix > 30) {
    throw new ExtensionError(
      "the shoot's node network (infrastructure.nodesCidr) is missing or has no room",
      [GardenerErrorCode.ConfigurationProblem],
    );
  }
  for (const ingress of context.ingressCidrs) {
    if (!parseCidr(ingress)) {
      throw new ExtensionError(`ingress "${ingress}" is not an IPv4 CIDR`, [
        GardenerErrorCode.ConfigurationProblem,
      ]);
    }
  }
  return {
    bridge: context.infrastructure.bridgeName ?? localNetworkNames(context.technicalId).bridge,
    nodesCidr,
    cidr,
    gateway: context.infrastructure.gatewayAddress ?? localGatewayAddress(nodesCidr),
  };
}

/** the bastion's name: what follows the technical ID in its id */
function nameOf(context: BastionContext): string {
  const prefix = `${context.technicalId}--`;
  const name = context.id.startsWith(prefix) ? context.id.slice(prefix.length) : context.id;
  return name.slice(0, 63);
}

/** what is already an ExtensionError keeps its codes; anything else is retried */
async function converge<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ExtensionError) throw error;
    throw new ExtensionError(`${what}: ${(error as Error).message}`, [
      GardenerErrorCode.RetryableInfraDependencies,
    ]);
  }
}
