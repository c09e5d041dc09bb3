export type { BastionActuator, BastionContext, BastionStatus } from './bastion/actuator.js';
export { providerConfigChecks, providerPackagesFromEnv } from './config-checks.js';
export type { ControlPlaneActuator, ControlPlaneContext } from './controlplane/actuator.js';
export { ExtensionError, GardenerErrorCode, isRetryable } from './errors.js';
export type {
  InfrastructureActuator,
  InfrastructureContext,
  InfrastructureStatus,
} from './infrastructure/actuator.js';
export { technicalIdOf } from './infrastructure/technical-id.js';
export type {
  CreateMachineRequest,
  MachineClassSpec,
  MachineDriver,
  MachineInfo,
  MachineRef,
  NodeBootstrap,
} from './machine/driver.js';
export { isMachineNotFound, MachineError, MachineErrorCode } from './machine/errors.js';
export { LocalInfrastructureActuator } from './providers/local/infrastructure-actuator.js';
export {
  type LocalSeedResourcesOptions,
  localSeedResources,
} from './providers/local/infrastructure-orphans.js';
export {
  LocalMachineDriver,
  type LocalMachineDriverOptions,
} from './providers/local/machines/local-machine-driver.js';
export { createLocalProvider, type LocalProviderDependencies } from './providers/local/provider.js';
export {
  ExtensionRegistry,
  type ProviderConfigs,
  type ProviderExtension,
  type ProviderFactory,
} from './registry.js';
export type { SeedResource, SeedResourceCollector } from './seed-resources.js';
