import { BastionController } from '@gardener-ts/botanist';
import type { GardenClient } from '@gardener-ts/client';
import type { ExtensionRegistry } from '@gardener-ts/extensions';
import { ShootLeases, seedKeyPrefix } from '@gardener-ts/jobs';
import type { Provider } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { GardenletConfig } from './config.js';
import { Periodic } from './periodic.js';
import { EXTENSIONS, GARDEN_CLIENT } from './tokens.js';

/**
 * A pass over the seed's bastions every 2 s: a new bastion is picked up within that, a keepalive
 * acted on, an expired one removed. A pass that finds nothing to do reads one list and writes nothing.
 */
export const BASTION_PASS_MS = 2000;

/** The gardenlet's Bastion controller, as Nest providers for the gardenlet module. */
export function bastionProviders(config: GardenletConfig, redis: Redis): Provider[] {
  return [
    {
      provide: 'BastionPeriodic',
      inject: [GARDEN_CLIENT, EXTENSIONS],
      useFactory: (client: GardenClient, extensions: ExtensionRegistry) => {
        const controller = new BastionController({
          client,
          seedName: config.seedName,
          actuator: (type) => extensions.bastion(type),
          // keyed by the bastion's uid; a lease lost to a dead gardenlet is free after the TTL
          leases: new ShootLeases(
            redis,
            `${seedKeyPrefix(config.queuePrefix, config.seedName)}:bastion`,
            config.takeoverMs,
          ),
        });
        return new Periodic('Bastions', BASTION_PASS_MS, () => controller.reconcileAll());
      },
    },
  ];
}
