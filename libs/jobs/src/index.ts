export { type HeldLease, ShootLeases, takeLease } from './lease.js';
export {
  type ShootRef,
  seedKeyPrefix,
  seedMachineQueueName,
  seedQueueName,
  shootJobId,
} from './names.js';
export { SeedRedisAccess, seedRedisUser } from './seed-redis-access.js';
export { ShootQueue, type ShootQueueOptions } from './shoot-queue.js';
export {
  createShootJobHandler,
  type ReconcileContext,
  type ShootJobHandler,
  type ShootWorkerOptions,
  shootWorkerSettings,
  startShootWorker,
} from './shoot-worker.js';
