import { ExtensionError, GardenerErrorCode } from './errors.js';
import type { InfrastructureActuator } from './infrastructure/actuator.js';

/**
 * One cloud: the actuators it implements, registered under its `spec.provider.type`. The generic
 * code (gardenlet) owns finalizers, status and retries; a provider only talks to its cloud.
 */
export interface ProviderExtension {
  readonly type: string;
  readonly infrastructure?: InfrastructureActuator;
  /** checks `spec.provider.infrastructureConfig` and the like; returns one message per problem */
  validateProviderConfig?(config: unknown): string[];
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
    const actuator = this.provider(type).infrastructure;
    if (!actuator) {
      throw new ExtensionError(`provider "${type}" has no Infrastructure actuator`, [
        GardenerErrorCode.ConfigurationProblem,
      ]);
    }
    return actuator;
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
