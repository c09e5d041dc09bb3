export { ExtensionError, GardenerErrorCode, isRetryable } from './errors.js';
export type {
  InfrastructureActuator,
  InfrastructureContext,
  InfrastructureStatus,
} from './infrastructure/actuator.js';
export { technicalIdOf } from './infrastructure/technical-id.js';
export { LocalInfrastructureActuator } from './providers/local/infrastructure-actuator.js';
export { createLocalProvider, type LocalProviderDependencies } from './providers/local/provider.js';
export { ExtensionRegistry, type ProviderExtension, type ProviderFactory } from './registry.js';
