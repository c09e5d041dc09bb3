import type { ProviderExtension } from '@gardener-ts/extensions';
import { SimControlPlaneActuator } from './controlplane/actuator.js';
import type { SimProviderDependencies } from './dependencies.js';
import { SimInfrastructureActuator } from './infrastructure/actuator.js';
import { ShootConnections } from './kube/connections.js';
import { shootAccessFromSeed } from './kube/kubeconfig.js';
import { SimMachineDriver } from './machine/driver.js';
import { DEFAULT_HEARTBEAT, Heartbeats } from './machine/heartbeat.js';
import { validateSimProviderConfig } from './provider-config.js';

export const SIM_PROVIDER_TYPE = 'sim';

export interface SimProvider extends ProviderExtension {
  readonly infrastructure: SimInfrastructureActuator;
  readonly controlPlane: SimControlPlaneActuator;
  readonly machines: SimMachineDriver;
}

/**
 * The provider package's entry point (`ExtensionRegistry.load(['@gardener-ts/provider-sim'], deps)`).
 * Nothing is used before an actuator is called, so admission may make it with no dependencies.
 */
export function createProvider(dependencies?: SimProviderDependencies): SimProvider {
  const heartbeat = { ...DEFAULT_HEARTBEAT, ...dependencies?.heartbeat };
  const shootAccess =
    dependencies?.shootAccess ?? (dependencies?.seed ? shootAccessFromSeed(dependencies.seed) : undefined);
  const connections = new ShootConnections(shootAccess, {
    maxSockets: heartbeat.concurrency * 2,
    retry: dependencies?.apiRetry,
  });
  return {
    type: SIM_PROVIDER_TYPE,
    infrastructure: new SimInfrastructureActuator(dependencies?.stateDir),
    controlPlane: new SimControlPlaneActuator(connections),
    machines: new SimMachineDriver(
      connections,
      new Heartbeats(connections, heartbeat),
      heartbeat.leaseDurationSeconds,
    ),
    validateProviderConfig: validateSimProviderConfig,
  };
}
