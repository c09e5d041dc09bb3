export {
  BASTION_FINALIZER,
  BastionController,
  type BastionControllerOptions,
  type BastionLeases,
} from './bastion/bastion-controller.js';
export { Botanist, type BotanistOptions, SHOOT_FINALIZER, type ShootKey } from './botanist.js';
export { ShootCare } from './care.js';
export { HibernationScheduler, scheduledHibernation } from './hibernation-schedule.js';
export { MachineSync } from './machine-sync.js';
export { inMaintenanceWindow, maintenanceUpdates } from './maintenance.js';
export { MaintenanceScheduler } from './maintenance-scheduler.js';
export { ShootStatusWriter } from './shoot-status.js';
export { type ShootHealth, STATUS_LABEL, shootHealth } from './status-label.js';
