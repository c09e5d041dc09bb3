export { type GardenletConfig, gardenletConfigFromEnv } from './config.js';
