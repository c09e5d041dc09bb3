export { type GardenletConfig, gardenletConfigFromEnv } from './config.js';
export { bootstrapGardenKubeconfig } from './garden-access.js';
