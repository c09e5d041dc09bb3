import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { removeLocalNetwork } from '@gardener-ts/infra/stacks';
import type { TofuRunner } from '@gardener-ts/infra/tofu';
import type { BastionActuator } from '../../bastion/actuator.js';
import type { MachineDriver } from '../../machine/driver.js';
import type { SeedResource, SeedResourceCollector } from '../../seed-resources.js';
import { bastionsRoot } from './bastion/bastion-layout.js';
import { defaultMachineRoot, shootDir } from './machines/layout.js';

export interface LocalSeedResourcesOptions {
  readonly runner: TofuRunner;
  readonly machines: MachineDriver;
  readonly bastions: BastionActuator;
  /** the machines' state root (bastions live beneath it); default as the machine driver's */
  readonly root?: string;
}

/** Everything the local cloud names after a shoot starts with its technical ID's prefix. */
const TECHNICAL_ID = /^shoot--[a-z0-9][-a-z0-9]*$/;

/**
 * What the local cloud keeps on this seed per shoot, found where this installation keeps it (its
 * tofu workspaces, its machine and bastion directories; never by scanning the host's interfaces,
 * which other installations on the same host share), each removed by the code the delete flow uses.
 */
export function localSeedResources(options: LocalSeedResourcesOptions): SeedResourceCollector[] {
  const root = options.root ?? defaultMachineRoot();
  return [
    bastionCollector(root, options.bastions),
    ...machineCollectors(root, options.machines),
    infrastructureCollector(options.runner),
  ];
}

/** A bastion's id is `<technical ID>--<bastion name>`, and neither part holds `--`. */
function bastionCollector(root: string, bastions: BastionActuator): SeedResourceCollector {
  return {
    kind: 'bastion',
    phase: 'workers',
    async list() {
      const names = await directories(bastionsRoot(root));
      return names.flatMap((id): SeedResource[] => {
        const technicalId = id.split('--').slice(0, 3).join('--');
        return TECHNICAL_ID.test(technicalId) && id.length > technicalId.length
          ? [{ kind: 'bastion', technicalId, name: id }]
          : [];
      });
    },
    remove: ({ name, technicalId }) =>
      bastions.delete({ id: name, technicalId, sshPublicKey: '', ingressCidrs: [], infrastructure: {} }),
  };
}

/** Machines through the driver; then whatever is left of a shoot's machine state (address claims). */
function machineCollectors(root: string, machines: MachineDriver): SeedResourceCollector[] {
  const shootIds = async () =>
    (await directories(join(root, 'shoots'))).filter((id) => TECHNICAL_ID.test(id));
  return [
    {
      kind: 'machine',
      phase: 'workers',
      async list() {
        const found: SeedResource[] = [];
        for (const technicalId of await shootIds()) {
          for (const machine of await machines.list(technicalId)) {
            found.push({ kind: 'machine', technicalId, name: machine.name });
          }
        }
        return found;
      },
      remove: ({ name, technicalId }) => machines.delete({ name, technicalId }),
    },
    {
      kind: 'machine-state',
      phase: 'workers',
      async list() {
        return (await shootIds()).map((technicalId) => ({
          kind: 'machine-state',
          technicalId,
          name: shootDir(root, technicalId),
        }));
      },
      remove: ({ technicalId }) => rm(shootDir(root, technicalId), { recursive: true, force: true }),
    },
  ];
}

/** The shoot's tofu workspace (state and working directory), then its bridge and firewall by name. */
function infrastructureCollector(runner: TofuRunner): SeedResourceCollector {
  return {
    kind: 'infrastructure',
    phase: 'infrastructure',
    async list() {
      const workspaces = await runner.listWorkspaces();
      return workspaces
        .filter((workspace) => TECHNICAL_ID.test(workspace))
        .map((workspace) => ({ kind: 'infrastructure', technicalId: workspace, name: workspace }));
    },
    async remove({ technicalId }) {
      await runner.destroyOrphan(technicalId);
      await removeLocalNetwork(technicalId);
    },
  };
}

async function directories(path: string): Promise<string[]> {
  const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
}
