import { BastionController } from '@gardener-ts/botanist';
import type { EventRecorder, GardenClient } from '@gardener-ts/client';
import type { ExtensionRegistry } from '@gardener-ts/extensions';
import { ShootLeases, seedKeyPrefix } from '@gardener-ts/jobs';
import { Logger, type Provider } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { GardenletConfig } from './config.js';
import { Periodic } from './periodic.js';
import { EVENT_RECORDER, EXTENSIONS, GARDEN_CLIENT } from './tokens.js';

/**
 * A watch of the seed's bastions starts a pass on every change (a new bastion, a keepalive, a
 * deletion); a pass every 10 s besides removes expired ones and repairs what a lost event missed.
 * A pass that finds nothing to do reads one list and writes nothing.
 */
export const BASTION_RESYNC_MS = 10_000;

/** The gardenlet's Bastion controller, as Nest providers for the gardenlet module. */
export function bastionProviders(config: GardenletConfig, redis: Redis): Provider[] {
  return [
    {
      provide: 'BastionPeriodic',
      inject: [GARDEN_CLIENT, EXTENSIONS, EVENT_RECORDER],
      useFactory: (client: GardenClient, extensions: ExtensionRegistry, events: EventRecorder) => {
        const controller = new BastionController({
          client,
          events,
          seedName: config.seedName,
          actuator: (type) => extensions.bastion(type),
          // keyed by the bastion's uid; a lease lost to a dead gardenlet is free after the TTL
          leases: new ShootLeases(
            redis,
            `${seedKeyPrefix(config.queuePrefix, config.seedName)}:bastion`,
            config.takeoverMs,
          ),
        });
        const logger = new Logger('Bastions');
        return new Periodic('Bastions', BASTION_RESYNC_MS, () => controller.reconcileAll(), {
          trigger: (kick) =>
            client.watch('Bastion', { fieldSelector: `spec.seedName=${config.seedName}` }, kick, {
              onReconnect: kick,
              onError: (error) => logger.warn(`watching bastions: ${(error as Error).message}`),
            }),
        });
      },
    },
  ];
}
