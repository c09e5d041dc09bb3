import type { BastionActuator } from './bastion/actuator.js';
import type { ControlPlaneActuator } from './controlplane/actuator.js';
import { ExtensionError, GardenerErrorCode } from './errors.js';
import type { InfrastructureActuator } from './infrastructure/actuator.js';
import type { MachineDriver } from './machine/driver.js';
import type { SeedResourceCollector } from './seed-resources.js';

/**
 * One cloud: the actuators it implements, registered under its `spec.provider.type`. The generic
 * code (gardenlet) owns finalizers, status and retries; a provider only talks to its cloud.
 */
export interface ProviderExtension {
  readonly type: string;
  readonly infrastructure?: InfrastructureActuator;
  readonly controlPlane?: ControlPlaneActuator;
  /** creates the machines of worker pools; the generic Worker actuator (libs/machine) drives it */
  readonly machines?: MachineDriver;
  readonly bastion?: BastionActuator;
  /**
   * True when the provider's machines run a kubelet and a container runtime, so their Pods really
   * run; otherwise the seed runs kwok beside the control plane to move Pods through their phases.
   */
  readonly nodesRunPods?: boolean;
  /** With `nodesRunPods`: the CoreDNS image the nodes can run (the seed deploys cluster DNS with it). */
  readonly coreDnsImage?: string;
  /**
   * Optional: what the provider keeps on the seed per technical ID, so that the gardenlet can
   * remove what no shoot owns any more (a shoot deleted without its delete flow).
   */
  readonly seedResources?: readonly SeedResourceCollector[];
  /**
   * Checks the shoot's provider configs (`spec.provider.infrastructureConfig`,
   * `controlPlaneConfig`, each worker's `providerConfig`) at admission: one message per problem,
   * each naming its field path.
   */
  validateProviderConfig?(provider: ProviderConfigs): string[];
}

export interface ProviderConfigs {
  readonly infrastructureConfig?: unknown;
  readonly controlPlaneConfig?: unknown;
  readonly workers: readonly { readonly name: string; readonly providerConfig?: unknown }[];
}

/** What a provider package exports: `export function createProvider(dependencies)`. */
export type ProviderFactory<Dependencies> = (dependencies: Dependencies) => ProviderExtension;

export class ExtensionRegistry {
  private readonly providers = new Map<string, ProviderExtension>();

  register(provider: ProviderExtension): void {
    if (this.providers.has(provider.type)) {
      throw new ExtensionError(`a provider of type "${provider.type}" is already registered`, [
        GardenerErrorCode.ConfigurationProblem,
      ]);
    }
    this.providers.set(provider.type, provider);
  }

  types(): string[] {
    return [...this.providers.keys()].sort();
  }

  provider(type: string): ProviderExtension {
    const provider = this.providers.get(type);
    if (!provider) {
      throw new ExtensionError(
        `no provider of type "${type}" is registered (registered: ${this.types().join(', ') || 'none'})`,
        [GardenerErrorCode.ConfigurationProblem],
      );
    }
    return provider;
  }

  infrastructure(type: string): InfrastructureActuator {
    return this.required(type, 'infrastructure', 'Infrastructure actuator');
  }

  machines(type: string): MachineDriver {
    return this.required(type, 'machines', 'MachineDriver');
  }

  bastion(type: string): BastionActuator {
    return this.required(type, 'bastion', 'Bastion actuator');
  }

  /** Optional: a provider with no cloud-specific control-plane pieces has none. */
  controlPlane(type: string): ControlPlaneActuator | undefined {
    return this.provider(type).controlPlane;
  }

  private required<Part extends 'infrastructure' | 'machines' | 'bastion'>(
    type: string,
    part: Part,
    what: string,
  ): NonNullable<ProviderExtension[Part]> {
    const actuator = this.provider(type)[part];
    if (!actuator) {
      throw new ExtensionError(`provider "${type}" has no ${what}`, [GardenerErrorCode.ConfigurationProblem]);
    }
    return actuator as NonNullable<ProviderExtension[Part]>;
  }

  /** Loads provider packages named in configuration, each exporting `createProvider`. */
  async load<Dependencies>(packageNames: readonly string[], dependencies: Dependencies): Promise<void> {
    for (const name of packageNames) {
      let module: { createProvider?: ProviderFactory<Dependencies> };
      try {
        module = await import(name);
      } catch (error) {
        throw new ExtensionError(`cannot load provider package "${name}": ${(error as Error).message}`, [
          GardenerErrorCode.ConfigurationProblem,
        ]);
      }
      if (typeof module.createProvider !== 'function') {
        throw new ExtensionError(`provider package "${name}" does not export a createProvider function`, [
          GardenerErrorCode.ConfigurationProblem,
        ]);
      }
      this.register(module.createProvider(dependencies));
    }
  }
}
