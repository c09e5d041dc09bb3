import { clusterDnsAddress, type Shoot } from '@gardener-ts/api';
import type {
  ControlPlaneActuator,
  ControlPlaneContext,
  ExtensionRegistry,
  InfrastructureContext,
  ProviderExtension,
} from '@gardener-ts/extensions';
import type { ControlPlaneEndpoint, ControlPlaneSpec, SeedBackend } from '@gardener-ts/seed';
import { hasWorkers } from './workers.js';

/** how long the flow waits for a deployed kube-apiserver to answer /readyz */
const READY_TIMEOUT_MS = 120_000;

/** The shoot's service range; Gardener's default when the shoot names none. */
export function serviceCidrOf(shoot: Shoot): string {
  return shoot.spec.networking.services ?? '100.104.0.0/13';
}

/**
 * How the shoot's Pods run: on real nodes, with cluster DNS the seed deploys into the shoot, or
 * (nodes without a container runtime) moved through their phases by kwok.
 */
export function podsOf(
  provider: ProviderExtension,
  shoot: Shoot,
): Pick<ControlPlaneSpec, 'simulatePods' | 'coreDns'> {
  if (!hasWorkers(shoot)) return {};
  if (!provider.nodesRunPods) return { simulatePods: true };
  if (!provider.coreDnsImage) return {};
  return { coreDns: { address: clusterDnsAddress(serviceCidrOf(shoot)), image: provider.coreDnsImage } };
}

/**
 * The shoot's control plane: the core the seed hosts (etcd, kube-apiserver, controller-manager,
 * scheduler) and the cloud-specific pieces of the provider's ControlPlane actuator, if it has one.
 */
export class ControlPlane {
  private readonly extension: ControlPlaneActuator | undefined;

  constructor(
    private readonly seed: SeedBackend,
    private readonly extensions: ExtensionRegistry,
    private readonly context: InfrastructureContext,
  ) {
    this.extension = extensions.controlPlane(context.shoot.spec.provider.type);
  }

  get hasExtension(): boolean {
    return this.extension !== undefined;
  }

  deploy(listenAddress: string): Promise<void> {
    const { shoot } = this.context;
    return this.seed.deploy({
      id: this.context.technicalId,
      listenAddress,
      serviceCidr: serviceCidrOf(shoot),
      podCidr: shoot.spec.networking.pods,
      ...podsOf(this.extensions.provider(shoot.spec.provider.type), shoot),
    });
  }

  waitReady(signal: AbortSignal): Promise<void> {
    return this.seed.waitReady(this.context.technicalId, { signal, timeoutMs: READY_TIMEOUT_MS });
  }

  endpoint(): Promise<ControlPlaneEndpoint> {
    return this.seed.endpoint(this.context.technicalId);
  }

  async deployExtension(infrastructure: Readonly<Record<string, string>>): Promise<void> {
    await this.extension?.reconcile(await this.extensionContext(infrastructure));
  }

  async deleteExtension(): Promise<void> {
    // a control plane that never came up (or is gone) has nothing of the provider's in it
    const context = await this.extensionContext({}).catch(() => undefined);
    if (context) await this.extension?.delete(context);
  }

  /** Stops the processes and keeps their data: hibernation. */
  stop(): Promise<void> {
    return this.seed.stop(this.context.technicalId);
  }

  destroy(): Promise<void> {
    return this.seed.destroy(this.context.technicalId);
  }

  private async extensionContext(
    infrastructure: Readonly<Record<string, string>>,
  ): Promise<ControlPlaneContext> {
    const endpoint = await this.endpoint();
    return { ...this.context, apiServerUrl: endpoint.url, caPem: endpoint.caPem, infrastructure };
  }
}
