export const GARDENLET_CONFIG = Symbol('GardenletConfig');
export const SHOOT_JOB_HANDLER = Symbol('ShootJobHandler');
export const REDIS = Symbol('Redis');
/** How the gardenlet reaches the garden: its API, or (in the garden's own host) its database. */
export const GARDEN_ACCESS = Symbol('GardenAccess');
export const BOTANIST = Symbol('Botanist');
export const SEED = Symbol('SeedBackend');
export const EXTENSIONS = Symbol('ExtensionRegistry');
export const MACHINES = Symbol('MachineControllerManager');
export const SHOOT_QUEUE_CLIENT = Symbol('ShootQueue');
/** The one typed client (libs/client) every controller of the gardenlet reads and writes objects with. */
export const GARDEN_CLIENT = Symbol('GardenClient');
/** The gardenlet's EventRecorder: what its controllers did and why, as Events in the garden. */
export const EVENT_RECORDER = Symbol('EventRecorder');
