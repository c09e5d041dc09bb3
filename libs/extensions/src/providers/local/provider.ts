import type { TofuRunner } from '@gardener-ts/infra/tofu';
import type { ProviderExtension } from '../../registry.js';
import { LocalInfrastructureActuator } from './infrastructure-actuator.js';

export interface LocalProviderDependencies {
  readonly runner: TofuRunner;
}

export function createLocalProvider(dependencies: LocalProviderDependencies): ProviderExtension {
  return { type: 'local', infrastructure: new LocalInfrastructureActuator(dependencies.runner) };
}
