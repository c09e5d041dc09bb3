export {
  BASTION_FINALIZER,
  BastionController,
  type BastionControllerOptions,
  type BastionLeases,
} from './bastion/bastion-controller.js';
export { ShootCare, type ShootCareOptions } from './care.js';
export { podsOf, serviceCidrOf } from './components/control-plane.js';
export { DEFAULT_CONDITION_THRESHOLDS } from './conditions.js';
export { isFinalShootFailure, ShootOperationError, ShootOperationErrorCode } from './errors.js';
export { HibernationScheduler, scheduledHibernation } from './hibernation-schedule.js';
export { MachineSync } from './machine-sync.js';
export { inMaintenanceWindow, maintenanceUpdates } from './maintenance.js';
export { MaintenanceScheduler } from './maintenance-scheduler.js';
export {
  Botanist,
  type BotanistOptions,
  SHOOT_FINALIZER,
  type ShootKey,
  type TaskOutcome,
} from './reconciler.js';
export {
  controlPlaneCollector,
  SeedGarbageCollector,
  type SeedGarbageCollectorOptions,
} from './seed-gc.js';
export { SeedHeartbeat } from './seed-heartbeat.js';
export { type HostReader, type SeedResourceLimits, SeedResources } from './seed-resources.js';
export { sshKeypairSecretName } from './shoot-names.js';
export { ShootStatusWriter } from './shoot-status.js';
export { type ShootHealth, STATUS_LABEL, shootHealth } from './status-label.js';
