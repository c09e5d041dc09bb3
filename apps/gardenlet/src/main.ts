import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { gardenletConfigFromEnv } from './config.js';
import { bootstrapGardenKubeconfig } from './garden-access.js';

const config = gardenletConfigFromEnv();
await bootstrapGardenKubeconfig(config);
// imported after the environment is read: the processor's queue name comes from SEED_NAME
const { GardenletModule } = await import('./gardenlet.module.js');
const app = await NestFactory.createApplicationContext(GardenletModule.forRoot(config), {
  logger: ['error', 'warn', 'log'],
});
app.enableShutdownHooks();
console.log(`gardenlet for seed "${config.seedName}" is processing shoots`);
