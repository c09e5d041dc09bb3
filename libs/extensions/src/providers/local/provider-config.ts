import type { ProviderConfigs } from '../../registry.js';

export const LOCAL_API_VERSION = 'local.provider.extensions.gardener.cloud/v1alpha1';

/**
 * The local cloud has no settings yet: each provider config is either absent or an empty object
 * of the local API group and the right kind, so a typo or another cloud's config is caught at
 * admission instead of being ignored.
 */
export function validateLocalProviderConfig(configs: ProviderConfigs): string[] {
  return [
    ...check(configs.infrastructureConfig, 'spec.provider.infrastructureConfig', 'InfrastructureConfig'),
    ...check(configs.controlPlaneConfig, 'spec.provider.controlPlaneConfig', 'ControlPlaneConfig'),
    ...configs.workers.flatMap((worker, index) =>
      check(worker.providerConfig, `spec.provider.workers[${index}].providerConfig`, 'WorkerConfig'),
    ),
  ];
}

function check(config: unknown, path: string, kind: string): string[] {
  if (config === undefined || config === null) return [];
  if (typeof config !== 'object' || Array.isArray(config)) return [`${path}: must be an object`];
  const { apiVersion, kind: actualKind, ...rest } = config as Record<string, unknown>;
  const problems: string[] = [];
  if (apiVersion !== LOCAL_API_VERSION) problems.push(`${path}.apiVersion: must be "${LOCAL_API_VERSION}"`);
  if (actualKind !== kind) problems.push(`${path}.kind: must be "${kind}"`);
  for (const field of Object.keys(rest)) {
    problems.push(`${path}.${field}: unknown field (the local provider has no ${kind} settings)`);
  }
  return problems;
}
