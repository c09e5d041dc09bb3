import type { Shoot } from '@gardener-ts/api';
import type { GardenClient } from '@gardener-ts/client';
import type { InfrastructureContext } from '@gardener-ts/extensions';
import { technicalIdOf } from '../shoot-names.js';

/** What every component of a shoot is deployed from: its spec, its cloud profile and its technical ID. */
export async function shootContextOf(client: GardenClient, shoot: Shoot): Promise<InfrastructureContext> {
  const cloudProfile = await client.get('CloudProfile', { name: shoot.spec.cloudProfileName ?? '' });
  return { shoot, cloudProfile, credentials: {}, technicalId: technicalIdOf(shoot) };
}
