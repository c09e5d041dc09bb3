import type { GardenClient } from '@gardener-ts/client';
import type { ExtensionRegistry, InfrastructureContext } from '@gardener-ts/extensions';
import type { MachineControllerManager, WorkerContext } from '@gardener-ts/machine';
import type { ControlPlaneEndpoint, SeedBackend } from '@gardener-ts/seed';
import { ClusterAccess } from './cluster-access.js';
import { ControlPlane } from './control-plane.js';
import { Infrastructure } from './infrastructure.js';
import { Workers } from './workers.js';

export interface ComponentDependencies {
  readonly client: GardenClient;
  readonly seed: SeedBackend;
  readonly extensions: ExtensionRegistry;
  /** the machine controller; without it, shoots with worker pools fail with a configuration problem */
  readonly machines?: MachineControllerManager;
}

/**
 * The components of one shoot for one flow, as Gardener's operation/botanist: each operation is
 * safe to repeat; what a later one needs from an earlier one (the infrastructure's facts) is kept here.
 */
export class ShootComponents {
  readonly access: ClusterAccess;
  readonly infrastructure: Infrastructure;
  readonly controlPlane: ControlPlane;
  readonly workers: Workers;
  /** where users reach the shoot's API server, once its access is published */
  endpoint?: ControlPlaneEndpoint;

  constructor(
    dependencies: ComponentDependencies,
    readonly context: InfrastructureContext,
  ) {
    this.access = new ClusterAccess(dependencies.client, context.shoot);
    this.infrastructure = new Infrastructure(dependencies.extensions, context, this.access);
    this.controlPlane = new ControlPlane(dependencies.seed, dependencies.extensions, context);
    this.workers = new Workers(dependencies.machines, () => this.workerContext());
  }

  get technicalId(): string {
    return this.context.technicalId;
  }

  /** Publishes the cluster CA for clients and keeps the endpoint the status advertises. */
  async publishAccess(): Promise<void> {
    this.endpoint = await this.controlPlane.endpoint();
    await this.access.publishCa(this.endpoint.caPem);
  }

  private workerContext(): WorkerContext {
    return { ...this.context, infrastructure: this.infrastructure.providerStatus };
  }
}
