export { type GardenletConfig, gardenletConfigFromEnv } from './config.js';
export { bootstrapGardenKubeconfig, seedBootstrapKubeconfig } from './garden-access.js';
