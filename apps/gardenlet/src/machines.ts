import { clusterDnsAddress, type Shoot } from '@gardener-ts/api';
import { serviceCidrOf, sshKeypairSecretName } from '@gardener-ts/botanist';
import type { EventRecorder, GardenClient } from '@gardener-ts/client';
import type { ExtensionRegistry, NodeBootstrap } from '@gardener-ts/extensions';
import { seedMachineQueueName } from '@gardener-ts/jobs';
import { MachineControllerManager, type ShootNodes, shootNodesFromKubeconfig } from '@gardener-ts/machine';
import type { SeedBackend } from '@gardener-ts/seed';
import { Inject, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { GardenletConfig } from './config.js';
import { GARDENLET_CONFIG, MACHINES } from './tokens.js';

/** machines have this long to use their bootstrap token (Gardener's machine creation timeout) */
const BOOTSTRAP_TOKEN_TTL_SECONDS = 20 * 60;
/** the gardenlet's own client certificates for shoots are renewed this long before they expire */
const KUBECONFIG_RENEW_MS = 10 * 60 * 1000;

/** The gardenlet's GardenClient, or one made over the garden's ResourceService. */
export function createMachineController(
  config: GardenletConfig,
  deps: {
    client: GardenClient;
    seed: SeedBackend;
    extensions: ExtensionRegistry;
    redis: Redis;
    events: EventRecorder;
  },
): MachineControllerManager {
  const { client, seed, extensions, redis, events } = deps;
  return new MachineControllerManager({
    client,
    events,
    drivers: (type) => extensions.machines(type),
    nodes: shootNodesVia(seed),
    bootstrap: (shoot, technicalId) => nodeBootstrap(client, seed, shoot, technicalId),
    queue: { connection: redis, prefix: config.queuePrefix, name: seedMachineQueueName(config.seedName) },
    orphanGraceMs: config.orphanGraceSeconds * 1000,
  });
}

/** What a new machine needs to join: the API server, its CA, a fresh bootstrap token, the SSH key. */
async function nodeBootstrap(
  client: GardenClient,
  seed: SeedBackend,
  shoot: Shoot,
  technicalId: string,
): Promise<NodeBootstrap> {
  const [endpoint, token, sshPublicKey] = await Promise.all([
    seed.endpoint(technicalId),
    seed.createBootstrapToken(technicalId, {
      ttlSeconds: BOOTSTRAP_TOKEN_TTL_SECONDS,
      description: `machines of shoot ${shoot.metadata.namespace}/${shoot.metadata.name}`,
    }),
    shootSshPublicKey(client, shoot),
  ]);
  return {
    apiServerUrl: endpoint.url,
    caPem: endpoint.caPem,
    bootstrapToken: token.token,
    labels: {},
    taints: [],
    sshPublicKey,
    clusterDns: clusterDnsAddress(serviceCidrOf(shoot)),
  };
}

async function shootSshPublicKey(client: GardenClient, shoot: Shoot): Promise<string> {
  const secret = await client.get('Secret', {
    namespace: shoot.metadata.namespace,
    name: sshKeypairSecretName(shoot.metadata.name),
  });
  return Buffer.from(secret.data?.['id_ed25519.pub'] ?? '', 'base64').toString('utf8');
}

/**
 * The shoot's nodes through a short-lived admin certificate of the gardenlet's own, reused until
 * near expiry and only while the control plane is the same one (a shoot deleted and made again
 * under its name has a new address and CA).
 */
export function shootNodesVia(seed: SeedBackend): (technicalId: string) => Promise<ShootNodes> {
  const clients = new Map<string, { nodes: ShootNodes; renewAt: number; endpoint: string }>();
  return async (technicalId) => {
    // expired clients go, so shoots deleted long ago leave nothing behind
    for (const [id, client] of clients) if (client.renewAt <= Date.now()) clients.delete(id);
    const { url, caPem } = await seed.endpoint(technicalId);
    const endpoint = `${url}\n${caPem}`;
    const cached = clients.get(technicalId);
    if (cached?.endpoint === endpoint) return cached.nodes;
    const issued = await seed.issueKubeconfig(technicalId, { role: 'admin', user: 'system:gardenlet' });
    const nodes = shootNodesFromKubeconfig(issued.kubeconfig);
    clients.set(technicalId, {
      nodes,
      renewAt: issued.expirationTimestamp.getTime() - KUBECONFIG_RENEW_MS,
      endpoint,
    });
    return nodes;
  };
}

/** Runs this process's share of machine create/delete jobs. */
export class MachineOperations implements OnApplicationBootstrap, OnApplicationShutdown {
  private worker?: { close(): Promise<void> };

  constructor(
    @Inject(MACHINES) private readonly machines: MachineControllerManager,
    @Inject(GARDENLET_CONFIG) private readonly config: GardenletConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.worker = this.machines.startOperationsWorker({
      concurrency: this.config.machineConcurrency,
      takeoverMs: this.config.takeoverMs,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
    await this.machines.close();
  }
}
