import type { Shoot } from '@gardener-ts/api';
import type { BackoffPolicy } from '@gardener-ts/api/backoff';
import type { EventRecorder, GardenClient } from '@gardener-ts/client';
import {
  GardenerErrorCode,
  type MachineDriver,
  type MachineInfo,
  type NodeBootstrap,
} from '@gardener-ts/extensions';
import { MachineControllerError, MachineControllerErrorCode } from './errors.js';
import { MachineObjects } from './objects.js';
import { type MachineJob, MachineOperator } from './operations.js';
import { ShootPass } from './pass.js';
import { machineClassFor, machineDeploymentFor, poolZones } from './pools.js';
import {
  BullOperationQueue,
  LocalOperationQueue,
  type OperationQueue,
  type OperationQueueOptions,
  type WorkerOptions,
} from './queue.js';
import type { NodeInfo, ShootNodes } from './shoot-nodes.js';
import type { WorkerContext, WorkerError, WorkerState } from './types.js';

/** Gardener's defaults */
const CREATION_TIMEOUT_MS = 20 * 60_000;
const HEALTH_TIMEOUT_MS = 10 * 60_000;
const ORPHAN_GRACE_MS = 10 * 60_000;

export interface MachineControllerOptions {
  /** the garden's objects (the gardenlet's GARDEN_CLIENT) */
  readonly client: GardenClient;
  /** the provider's driver by `spec.provider.type` (ExtensionRegistry.machines) */
  readonly drivers: (providerType: string) => MachineDriver;
  /** the shoot's Nodes, through its API server */
  readonly nodes: (technicalId: string) => Promise<ShootNodes>;
  /** what a new machine needs to join; a secret: never logged nor stored here */
  readonly bootstrap: (shoot: Shoot, technicalId: string) => Promise<NodeBootstrap>;
  /** machine create/delete jobs on BullMQ; without it they run in this process */
  readonly queue?: OperationQueueOptions;
  readonly clock?: () => Date;
  /** when a pool sets no machineCreationTimeout (Gardener: 20m) */
  readonly creationTimeoutMs?: number;
  /** when a pool sets no machineHealthTimeout (Gardener: 10m) */
  readonly healthTimeoutMs?: number;
  /** how long a machine the provider holds but no Machine knows is left alone before it is deleted */
  readonly orphanGraceMs?: number;
  /** retry backoff of machine jobs whose driver call failed retryably */
  readonly operationBackoff?: BackoffPolicy;
  /** machines created, failed, replaced and deleted, as events on the Machines (none without it) */
  readonly events?: EventRecorder;
}

/**
 * Gardener's machine-controller-manager and the generic Worker actuator: MachineClass and
 * MachineDeployment per pool and zone, MachineSets per template, Machines created and deleted
 * at the provider by jobs, phases from the shoot's Nodes.
 */
export class MachineControllerManager {
  private readonly objects: MachineObjects;
  private readonly operations: OperationQueue;
  private readonly operator: MachineOperator;
  private readonly now: () => Date;
  /** when each orphan (technicalId/name) was first seen, by this process */
  private readonly orphansSeen = new Map<string, number>();

  constructor(private readonly options: MachineControllerOptions) {
    this.objects = new MachineObjects(options.client);
    this.now = options.clock ?? (() => new Date());
    this.operator = new MachineOperator({
      objects: this.objects,
      drivers: options.drivers,
      nodes: options.nodes,
      bootstrap: options.bootstrap,
      now: this.now,
      events: options.events,
    });
    const backoff = options.operationBackoff ?? { initialMs: 1_000, maxMs: 60_000 };
    this.operations = options.queue
      ? new BullOperationQueue(options.queue, backoff)
      : new LocalOperationQueue((job) => this.operator.run(job), backoff);
  }

  /**
   * The Worker actuator: a MachineClass and a MachineDeployment per pool and zone (the pool's
   * minimum and maximum spread over its zones, the extra machines to the lower-index zones), and
   * what belonged to dropped pools or zones marked for deletion. The next passes do the rest.
   */
  async applyWorkers(context: WorkerContext): Promise<void> {
    await this.exclusive(context, async () => {
      const namespace = context.shoot.metadata.namespace ?? '';
      const shootName = context.shoot.metadata.name ?? '';
      const zones = poolZones(context.shoot, context.cloudProfile);
      for (const zone of zones) {
        await this.objects.upsert('MachineClass', machineClassFor(context, zone));
        const applied = await this.objects.upsert('MachineDeployment', machineDeploymentFor(context, zone));
        if (applied === 'deleting') {
          throw new MachineControllerError(
            MachineControllerErrorCode.DeletionInProgress,
            `MachineDeployment ${zone.name} is still being deleted; it is created again once it is gone`,
          );
        }
      }
      const wanted = new Set(zones.map((z) => z.name));
      const { deployments, classes } = await this.objects.list(namespace, shootName);
      for (const d of deployments.filter((d) => !wanted.has(d.metadata.name ?? ''))) {
        await this.objects.delete('MachineDeployment', namespace, d.metadata.name ?? '');
      }
      for (const c of classes.filter((c) => !wanted.has(c.metadata.name ?? ''))) {
        await this.objects.delete('MachineClass', namespace, c.metadata.name ?? '');
      }
    });
  }

  /** One level-based pass (deployments → sets → machines → phases from Nodes) and its summary. */
  async sync(context: WorkerContext): Promise<WorkerState> {
    return this.exclusive(context, async () => {
      const errors: WorkerError[] = [];
      const driver = this.options.drivers(context.shoot.spec.provider.type);
      // the provider first: a machine it lists was stored before it was created there
      const atProvider = await driver.list(context.technicalId).catch((error: Error) => {
        errors.push(unreadable("the provider's machines", error));
        return undefined;
      });
      const objects = await this.objects.list(
        context.shoot.metadata.namespace ?? '',
        context.shoot.metadata.name ?? '',
      );
      const nodes = await this.readNodes(context.technicalId).catch((error: Error) => {
        errors.push(unreadable("the shoot's nodes", error));
        return undefined;
      });
      const pass = new ShootPass(this.passDependencies(), context, objects, nodes);
      await pass.run();
      if (atProvider) {
        const known = new Set(objects.machines.map((m) => m.metadata.name ?? ''));
        await this.collectOrphans(
          context,
          driver,
          atProvider.filter((m) => !known.has(m.name)),
        );
      }
      return pass.state(errors);
    });
  }

  /**
   * Marks everything of the shoot's workers for deletion and runs a pass; once no Machine is left,
   * deletes what the provider still holds for the shoot. Resolves with what is still there
   * (machines in the store or at the provider, and their sets and deployments): 0 = done.
   */
  async deleteWorkers(context: WorkerContext): Promise<number> {
    return this.exclusive(context, async () => {
      const namespace = context.shoot.metadata.namespace ?? '';
      const shootName = context.shoot.metadata.name ?? '';
      const before = await this.objects.list(namespace, shootName);
      for (const d of before.deployments) {
        await this.objects.delete('MachineDeployment', namespace, d.metadata.name ?? '');
      }
      for (const c of before.classes)
        await this.objects.delete('MachineClass', namespace, c.metadata.name ?? '');
      const objects = await this.objects.list(namespace, shootName);
      const pass = new ShootPass(this.passDependencies(), context, objects, undefined);
      await pass.run();
      if (pass.remaining() > 0) return pass.remaining();
      // no Machine is left, so nothing is being created: what the provider holds is an orphan
      const driver = this.options.drivers(context.shoot.spec.provider.type);
      const left = await driver.list(context.technicalId);
      for (const machine of left) await this.deleteOrphan(context, driver, machine);
      return (await driver.list(context.technicalId)).length;
    });
  }

  /** The BullMQ worker for machine create/delete jobs; start it in each gardenlet process. */
  startOperationsWorker(options: WorkerOptions = {}): { close(): Promise<void> } {
    return this.operations.start((job) => this.operator.run(job), options);
  }

  async close(): Promise<void> {
    await this.operations.close();
  }

  private exclusive<T>(context: WorkerContext, fn: () => Promise<T>): Promise<T> {
    return this.operations.exclusive(context.technicalId, fn);
  }

  private passDependencies() {
    return {
      objects: this.objects,
      enqueue: (job: MachineJob) => this.operations.enqueue(job),
      now: this.now,
      events: this.options.events,
      defaults: {
        creationMs: this.options.creationTimeoutMs ?? CREATION_TIMEOUT_MS,
        healthMs: this.options.healthTimeoutMs ?? HEALTH_TIMEOUT_MS,
      },
    };
  }

  private async readNodes(technicalId: string): Promise<Map<string, NodeInfo>> {
    const nodes = await (await this.options.nodes(technicalId)).list();
    return new Map(nodes.map((n) => [n.name, n]));
  }

  /** Deletes machines no Machine knows once they have been orphans for the grace period. */
  private async collectOrphans(context: WorkerContext, driver: MachineDriver, orphans: MachineInfo[]) {
    const grace = this.options.orphanGraceMs ?? ORPHAN_GRACE_MS;
    const now = this.now().getTime();
    const prefix = `${context.technicalId}/`;
    const current = new Set(orphans.map((o) => prefix + o.name));
    for (const key of this.orphansSeen.keys()) {
      if (key.startsWith(prefix) && !current.has(key)) this.orphansSeen.delete(key);
    }
    for (const orphan of orphans) {
      const key = prefix + orphan.name;
      const seen = this.orphansSeen.get(key) ?? now;
      this.orphansSeen.set(key, seen);
      if (now - seen < grace) continue;
      await this.deleteOrphan(context, driver, orphan);
      this.orphansSeen.delete(key);
    }
  }

  private async deleteOrphan(context: WorkerContext, driver: MachineDriver, orphan: MachineInfo) {
    await driver.delete({
      name: orphan.name,
      technicalId: context.technicalId,
      providerId: orphan.providerId,
    });
    // its Node, if it ever joined, would otherwise stay NotReady for good
    await this.options
      .nodes(context.technicalId)
      .then((nodes) => nodes.delete(orphan.nodeName))
      .catch(() => undefined);
  }
}

function unreadable(what: string, error: Error): WorkerError {
  return {
    machine: '',
    codes: [GardenerErrorCode.RetryableInfraDependencies],
    message: `cannot read ${what}: ${error.message}`,
  };
}
