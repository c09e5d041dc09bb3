export const GARDENLET_CONFIG = Symbol('GardenletConfig');
export const SHOOT_JOB_HANDLER = Symbol('ShootJobHandler');
export const REDIS = Symbol('Redis');
export const STORE = Symbol('Store');
export const BOTANIST = Symbol('Botanist');
export const SEED = Symbol('SeedBackend');
export const EXTENSIONS = Symbol('ExtensionRegistry');
export const MACHINES = Symbol('MachineControllerManager');
