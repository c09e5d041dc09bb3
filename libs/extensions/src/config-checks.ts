import type { ProviderConfigCheck } from '@gardener-ts/api';
import { createLocalProvider } from './providers/local/provider.js';
import { ExtensionRegistry } from './registry.js';

/**
 * The providers' provider-config checks, for the garden API's admission. The providers are made
 * without their dependencies (no runner, no cloud access): a provider's `validateProviderConfig`
 * must be pure, and its factory must not use its dependencies before an actuator is called.
 */
export async function providerConfigChecks(packageNames: readonly string[]): Promise<ProviderConfigCheck> {
  const registry = new ExtensionRegistry();
  registry.register(createLocalProvider({ runner: undefined as never }));
  await registry.load(packageNames, undefined);
  return (type, configs) => {
    if (!registry.types().includes(type)) return [];
    return registry.provider(type).validateProviderConfig?.(configs) ?? [];
  };
}

/** GARDENER_PROVIDER_PACKAGES: comma-separated npm package names; the API and gardenlets read the same. */
export function providerPackagesFromEnv(env: NodeJS.ProcessEnv): string[] {
  return (env.GARDENER_PROVIDER_PACKAGES ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
}
