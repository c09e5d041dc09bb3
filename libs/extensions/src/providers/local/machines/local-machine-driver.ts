import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import {
  nodeImagesDir,
  pauseImageRef,
  registryAddress,
  registryMirrorAddress,
} from '@gardener-ts/infra/images';
import {
  binary,
  MACHINE_ID_OFFSET,
  machineImageReady,
  machineImageRootfs,
} from '@gardener-ts/infra/toolchain';
import type {
  CreateMachineRequest,
  MachineDriver,
  MachineInfo,
  MachineRef,
} from '../../../machine/driver.js';
import { MachineError, MachineErrorCode } from '../../../machine/errors.js';
import { AddressPool } from './address-pool.js';
import { delegateCgroup } from './cgroups.js';
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
import type { NodeImageSources } from './node-components.js';
import { ensureOverlay, removeOverlay } from './overlay.js';
import { writeProcFiles } from './proc-files.js';
import { checkRef, checkTechnicalId, machineSpecOf } from './request.js';
import { type ContainerState, Runc } from './runc.js';
import { ANNOTATIONS, type NodeMounts, runtimeSpec } from './runtime-spec.js';

export interface LocalMachineDriverOptions {
  /** state root; default GARDENER_TS_MACHINE_DIR or /var/lib/gardener-ts/machines */
  readonly root?: string;
  /** the read-only lower layer of every machine; default the toolchain's machine image */
  readonly baseImage?: string;
  /** image archives every machine imports into containerd at boot (read-only); default nodeImagesDir() */
  readonly imagesDir?: string;
  /** the sandbox image (its archive must be in `imagesDir`) and the registry's mirror; default the seed's */
  readonly images?: NodeImageSources;
}

/**
 * The local cloud's machines: runc containers in a user namespace of their own (own PID, UTS,
 * mount, IPC, cgroup and network namespaces; overlay root over the machine image) on the shoot's
 * bridge, each running sshd, containerd, the kubelet and kube-proxy: a real node of the shoot.
 * Machines outlive the process that made them; any process with the same state root sees and
 * manages them.
 */
export class LocalMachineDriver implements MachineDriver {
  readonly root: string;
  private readonly runc: Runc;
  private readonly baseImage: string;

  constructor(private readonly options: LocalMachineDriverOptions = {}) {
    this.root = options.root ?? defaultMachineRoot();
    this.runc = new Runc(runcRoot(this.root));
    this.baseImage = options.baseImage ?? machineImageRootfs();
  }

  async create(request: CreateMachineRequest): Promise<MachineInfo> {
    const spec = machineSpecOf(request);
    const layout = this.layout(request);
    return asMachineError(`create machine ${request.name}`, async () => {
      const existing = await this.runc.state(layout.containerId);
      const info =
        existing && existing.status !== 'created' ? machineInfo(existing) : await this.fresh(spec, layout);
      // made before the machine's first start, so clients can check the node from its first login
      return { ...info, sshHostKeys: await readHostKeys(layout.upper) };
    });
  }

  private async fresh(spec: MachineSpec, layout: MachineLayout): Promise<MachineInfo> {
    await this.requireBaseImage();
    await requireBridge(spec.bridge);
    await this.makeTraversable(layout.dir);
    return this.build(spec, layout);
  }

  /**
   * The machine's root user (a host id without privileges) must pass every directory down to its
   * root filesystem and state: ours are 0711 (searchable, not listable by others); those above the
   * state root must be searchable already.
   */
  private async makeTraversable(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true, mode: 0o711 });
    await requireSearchable(dirname(this.root));
    let path = this.root;
    await chmod(path, 0o711);
    for (const part of relative(this.root, dir).split('/')) {
      path = join(path, part);
      await chmod(path, 0o711);
    }
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

  /**
   * Every step checks what exists first, so a create that died half-way finishes here. The
   * container is created first and started last: its network namespace belongs to its user
   * namespace, so the host wires it to the bridge through the container's PID in between.
   */
  private async build(spec: MachineSpec, layout: MachineLayout): Promise<MachineInfo> {
    const address = await this.addresses(spec.technicalId).claim(spec.name, spec.network, spec.gateway);
    const placed = { ...spec, address };
    await ensureOverlay(layout, this.baseImage);
    const node = await this.nodeDirs(layout, spec);
    await writeMachineFiles(layout.rootfs, placed, layout.dir, this.options.images ?? seedImageSources());
    await writeFile(join(layout.bundle, 'config.json'), JSON.stringify(runtimeSpec(layout, placed, node)));
    await mkdir(runcRoot(this.root), { recursive: true, mode: 0o700 });
    const created = await this.runc.state(layout.containerId);
    if (!created) {
      try {
        await this.runc.createDetached(layout.containerId, layout.bundle, layout.console);
      } catch (error) {
        // another process creating the same machine won the race: theirs is the machine
        const winner = await this.runc.state(layout.containerId);
        if (!winner) throw error;
        return machineInfo(winner);
      }
    }
    const pending = await this.runc.state(layout.containerId);
    if (pending?.status === 'created') {
      await delegateCgroup(layout.cgroup, MACHINE_ID_OFFSET);
      const network = { bridge: spec.bridge, address, prefix: spec.network.prefix, gateway: spec.gateway };
      await ensureMachineNetwork(layout, network, pending.pid);
      await this.runc.start(layout.containerId).catch(async (error: unknown) => {
        // another process finishing the same create started it first
        if ((await this.runc.state(layout.containerId))?.status !== 'running') throw error;
      });
    }
    const state = await this.runc.state(layout.containerId);
    if (!state)
      throw new MachineError(
        MachineErrorCode.Internal,
        `machine ${spec.name} vanished right after its start`,
      );
    return machineInfo(state);
  }

  /** The machine's root and its node's state (not on the overlay), owned by the machine's root. */
  private async nodeDirs(layout: MachineLayout, spec: MachineSpec): Promise<NodeMounts> {
    const containerdDir = join(layout.dir, 'containerd');
    const kubeletDir = join(layout.dir, 'kubelet');
    for (const dir of [containerdDir, kubeletDir]) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await chown(dir, MACHINE_ID_OFFSET, MACHINE_ID_OFFSET);
    }
    await chown(layout.upper, MACHINE_ID_OFFSET, MACHINE_ID_OFFSET);
    const imagesDir = this.options.imagesDir ?? nodeImagesDir();
    return {
      containerdDir,
      kubeletDir,
      kubeletBinary: binary('kubelet'),
      kubeProxyBinary: binary('kube-proxy'),
      proc: await writeProcFiles(layout.dir, spec.memoryBytes, spec.millicores),
      ...(imagesDir && existsSync(imagesDir) ? { imagesDir } : {}),
    };
  }

  private addresses(technicalId: string): AddressPool {
    return new AddressPool(addressClaimDir(this.root, technicalId));
  }

  private async requireBaseImage(): Promise<void> {
    const ready =
      this.baseImage === machineImageRootfs()
        ? await machineImageReady()
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

async function requireSearchable(dir: string): Promise<void> {
  for (let path = dir; ; path = dirname(path)) {
    if (((await stat(path)).mode & 0o001) === 0) {
      throw new MachineError(
        MachineErrorCode.Unavailable,
        `${path} is not searchable by others, so machines (in their own user namespace) cannot reach their root filesystem below it: \`chmod o+x ${path}\` or choose another GARDENER_TS_MACHINE_DIR`,
      );
    }
    if (path === dirname(path)) return;
  }
}

function notFound(ref: MachineRef): MachineError {
  return new MachineError(
    MachineErrorCode.NotFound,
    `machine ${ref.name} of ${ref.technicalId} does not exist`,
  );
}

function seedImageSources(): NodeImageSources {
  return { pauseImage: pauseImageRef(), localRegistry: registryAddress(), mirror: registryMirrorAddress() };
}
