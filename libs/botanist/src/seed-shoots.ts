import type { Shoot } from '@gardener-ts/api';
import type { GardenClient } from '@gardener-ts/client';

/** The shoots scheduled on a seed: what each of the gardenlet's periodic controllers walks. */
export function shootsOnSeed(client: GardenClient, seedName: string): Promise<Shoot[]> {
  return client.list('Shoot', { fieldSelector: `spec.seedName=${seedName}` });
}

export function keyOf(shoot: Shoot): { namespace: string | undefined; name: string } {
  return { namespace: shoot.metadata.namespace, name: shoot.metadata.name ?? '' };
}
