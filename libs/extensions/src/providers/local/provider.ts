import { coreDnsImageRef } from '@gardener-ts/infra/images';
import type { TofuRunner } from '@gardener-ts/infra/tofu';
import type { ProviderExtension } from '../../registry.js';
import { LocalBastionActuator } from './bastion/local-bastion-actuator.js';
import { LocalInfrastructureActuator } from './infrastructure-actuator.js';
import { localSeedResources } from './infrastructure-orphans.js';
import { LocalMachineDriver, type LocalMachineDriverOptions } from './machines/local-machine-driver.js';
import { validateLocalProviderConfig } from './provider-config.js';

export interface LocalProviderDependencies {
  readonly runner: TofuRunner;
  /** where machines keep their state, and their base image; defaults fit a seed host */
  readonly machines?: LocalMachineDriverOptions;
}

export function createLocalProvider(dependencies: LocalProviderDependencies): ProviderExtension {
  const machines = new LocalMachineDriver(dependencies.machines);
  const bastion = new LocalBastionActuator(dependencies.machines);
  return {
    type: 'local',
    infrastructure: new LocalInfrastructureActuator(dependencies.runner),
    machines,
    nodesRunPods: true,
    coreDnsImage: coreDnsImageRef(),
    bastion,
    seedResources: localSeedResources({
      runner: dependencies.runner,
      machines,
      bastions: bastion,
      root: machines.root,
    }),
    validateProviderConfig: validateLocalProviderConfig,
  };
}
