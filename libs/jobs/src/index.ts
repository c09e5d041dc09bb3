export { type HeldLease, ShootLeases } from './lease.js';
export { type ShootRef, seedQueueName, shootJobId } from './names.js';
export { ShootQueue, type ShootQueueOptions } from './shoot-queue.js';
export { type ReconcileContext, type ShootWorkerOptions, startShootWorker } from './shoot-worker.js';
