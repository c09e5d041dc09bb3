import type { TofuRunner } from '@gardener-ts/infra/tofu';
import type { ProviderExtension } from '../../registry.js';
import { LocalBastionActuator } from './bastion/local-bastion-actuator.js';
import { LocalInfrastructureActuator } from './infrastructure-actuator.js';
import { LocalMachineDriver, type LocalMachineDriverOptions } from './machines/local-machine-driver.js';
import { validateLocalProviderConfig } from './provider-config.js';

export interface LocalProviderDependencies {
  readonly runner: TofuRunner;
  /** where machines keep their state, and their base image; defaults fit a seed host */
  readonly machines?: LocalMachineDriverOptions;
}

export function createLocalProvider(dependencies: LocalProviderDependencies): ProviderExtension {
  return {
    type: 'local',
    infrastructure: new LocalInfrastructureActuator(dependencies.runner),
    machines: new LocalMachineDriver(dependencies.machines),
    bastion: new LocalBastionActuator(dependencies.machines),
    validateProviderConfig: validateLocalProviderConfig,
  };
}
