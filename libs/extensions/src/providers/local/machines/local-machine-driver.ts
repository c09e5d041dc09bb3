import { existsSync } from 'node:fs';
import { mkdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { baseImageReady, baseImageRootfs } from '@gardener-ts/infra/toolchain';
import type {
  CreateMachineRequest,
  MachineDriver,
  MachineInfo,
  MachineRef,
} from '../../../machine/driver.js';
import { MachineError, MachineErrorCode } from '../../../machine/errors.js';
import { AddressPool } from './address-pool.js';
import { asMachineError } from './failures.js';
import {
  addressClaimDir,
  defaultMachineRoot,
  type MachineLayout,
  machineLayout,
  runcRoot,
  shootDir,
} from './layout.js';
import { readHostKeys, writeMachineFiles } from './machine-files.js';
import type { MachineSpec } from './machine-spec.js';
import { ensureMachineNetwork, removeMachineNetwork, requireBridge } from './network.js';
import { ensureOverlay, removeOverlay } from './overlay.js';
import { checkRef, checkTechnicalId, machineSpecOf } from './request.js';
import { type ContainerState, Runc } from './runc.js';
import { ANNOTATIONS, runtimeSpec } from './runtime-spec.js';

export interface LocalMachineDriverOptions {
  /** state root; default GARDENER_TS_MACHINE_DIR or ~/.local/state/gardener-ts/machines */
  readonly root?: string;
  /** the read-only lower layer of every machine; default the toolchain's Debian base image */
  readonly baseImage?: string;
  /** how often node agents renew their Lease and Ready condition; default 10 s */
  readonly heartbeatSeconds?: number;
}

/**
 * The local cloud's machines: runc containers (own PID, UTS, mount and IPC namespaces; overlay
 * root over the base image) in their own network namespaces on the shoot's bridge, each running
 * sshd and a node agent that joins the shoot as a Node. Machines outlive the process that made
 * them; any process with the same state root sees and manages them.
 */
export class LocalMachineDriver implements MachineDriver {
  readonly root: string;
  private readonly runc: Runc;
  private readonly baseImage: string;
  private readonly heartbeatSeconds: number;

  constructor(options: LocalMachineDriverOptions = {}) {
    this.root = options.root ?? defaultMachineRoot();
    this.runc = new Runc(runcRoot(this.root));
    this.baseImage = options.baseImage ?? baseImageRootfs();
    this.heartbeatSeconds = options.heartbeatSeconds ?? 10;
  }

  async create(request: CreateMachineRequest): Promise<MachineInfo> {
    const spec = machineSpecOf(request, this.heartbeatSeconds);
    const layout = this.layout(request);
    return asMachineError(`create machine ${request.name}`, async () => {
      const existing = await this.runc.state(layout.containerId);
      const info = existing ? machineInfo(existing) : await this.fresh(spec, layout);
      // made before the machine's first start, so clients can check the node from its first login
      return { ...info, sshHostKeys: await readHostKeys(layout.upper) };
    });
  }

  private async fresh(spec: MachineSpec, layout: MachineLayout): Promise<MachineInfo> {
    await this.requireBaseImage();
    await requireBridge(spec.bridge);
    await mkdir(layout.dir, { recursive: true, mode: 0o700 });
    return this.build(spec, layout);
  }

  async delete(ref: MachineRef): Promise<void> {
    checkRef(ref);
    const layout = this.layout(ref);
    await asMachineError(`delete machine ${ref.name}`, async () => {
      await this.runc.remove(layout.containerId);
      await removeOverlay(layout);
      await removeMachineNetwork(layout);
      await this.addresses(ref.technicalId).release(ref.name);
      await rm(layout.dir, { recursive: true, force: true });
      await this.removeEmptyShootDirs(ref.technicalId);
    });
  }

  async status(ref: MachineRef): Promise<MachineInfo> {
    checkRef(ref);
    const layout = this.layout(ref);
    const state = await asMachineError(`status of machine ${ref.name}`, () =>
      this.runc.state(layout.containerId),
    );
    if (!state) throw notFound(ref);
    return { ...machineInfo(state), sshHostKeys: await readHostKeys(layout.upper) };
  }

  async list(technicalId: string): Promise<MachineInfo[]> {
    checkTechnicalId(technicalId);
    const containers = await asMachineError(`list machines of ${technicalId}`, () => this.runc.list());
    return containers
      .filter((container) => container.annotations?.[ANNOTATIONS.technicalId] === technicalId)
      .map(machineInfo)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The public halves of the machine's SSH host keys, for clients to check the node. */
  async hostKeys(ref: MachineRef): Promise<string[]> {
    checkRef(ref);
    const layout = this.layout(ref);
    const keys = await asMachineError(`host keys of machine ${ref.name}`, () => readHostKeys(layout.upper));
    if (keys.length === 0) throw notFound(ref);
    return keys;
  }

  /** The machine's layout on this host (paths, namespace and interface names), for tools and tests. */
  layout(ref: MachineRef): MachineLayout {
    return machineLayout(this.root, ref.technicalId, ref.name);
  }

  /** Every step checks what exists first, so a create that died half-way finishes here. */
  private async build(spec: MachineSpec, layout: MachineLayout): Promise<MachineInfo> {
    const address = await this.addresses(spec.technicalId).claim(spec.name, spec.network, spec.gateway);
    const placed = { ...spec, address };
    await ensureMachineNetwork(layout, {
      bridge: spec.bridge,
      address,
      prefix: spec.network.prefix,
      gateway: spec.gateway,
    });
    await ensureOverlay(layout, this.baseImage);
    await writeMachineFiles(layout.rootfs, placed, layout.dir);
    await writeFile(join(layout.bundle, 'config.json'), JSON.stringify(runtimeSpec(layout, placed)));
    await mkdir(runcRoot(this.root), { recursive: true, mode: 0o700 });
    try {
      await this.runc.runDetached(layout.containerId, layout.bundle, layout.console);
    } catch (error) {
      // another process creating the same machine won the race: theirs is the machine
      const winner = await this.runc.state(layout.containerId);
      if (!winner) throw error;
    }
    const state = await this.runc.state(layout.containerId);
    if (!state)
      throw new MachineError(
        MachineErrorCode.Internal,
        `machine ${spec.name} vanished right after its start`,
      );
    return machineInfo(state);
  }

  private addresses(technicalId: string): AddressPool {
    return new AddressPool(addressClaimDir(this.root, technicalId));
  }

  private async requireBaseImage(): Promise<void> {
    const ready =
      this.baseImage === baseImageRootfs()
        ? await baseImageReady()
        : existsSync(join(this.baseImage, 'usr', 'sbin', 'sshd'));
    if (!ready) {
      throw new MachineError(
        MachineErrorCode.Unavailable,
        `the machine base image is not built (${this.baseImage}): run \`npm run up\``,
      );
    }
  }

  /** a shoot whose last machine went leaves no directories behind; busy ones stay */
  private async removeEmptyShootDirs(technicalId: string): Promise<void> {
    const dir = shootDir(this.root, technicalId);
    for (const path of [join(dir, 'machines'), addressClaimDir(this.root, technicalId), dir]) {
      await rmdir(path).catch(() => undefined);
    }
  }
}

function machineInfo(container: ContainerState): MachineInfo {
  const annotations = container.annotations ?? {};
  const name = annotations[ANNOTATIONS.machine] ?? container.id;
  const address = annotations[ANNOTATIONS.address];
  return {
    name,
    providerId: annotations[ANNOTATIONS.providerId] ?? '',
    nodeName: name,
    addresses: [
      ...(address ? [{ type: 'InternalIP' as const, address }] : []),
      { type: 'Hostname' as const, address: name },
    ],
    state: container.status === 'running' ? 'Running' : 'Stopped',
  };
}

function notFound(ref: MachineRef): MachineError {
  return new MachineError(
    MachineErrorCode.NotFound,
    `machine ${ref.name} of ${ref.technicalId} does not exist`,
  );
}
