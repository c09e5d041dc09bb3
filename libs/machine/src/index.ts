export { MachineControllerManager, type MachineControllerOptions } from './controller.js';
export { formatDuration, parseDuration } from './durations.js';
export { MachineControllerError, MachineControllerErrorCode } from './errors.js';
export {
  DEPLOYMENT_LABEL,
  MACHINE_FINALIZER,
  POOL_LABEL,
  SHOOT_LABEL,
  TEMPLATE_HASH_LABEL,
} from './names.js';
export type { MachineJob } from './operations.js';
export {
  type ClassProviderSpec,
  distributeIntOrPercent,
  distributeOverZones,
  type PoolZone,
  poolZones,
} from './pools.js';
export type { OperationQueueOptions, WorkerOptions } from './queue.js';
export { type NodeInfo, nodeInfoOf, type ShootNodes, shootNodesFromKubeconfig } from './shoot-nodes.js';
export type { WorkerContext, WorkerError, WorkerMachine, WorkerState } from './types.js';
