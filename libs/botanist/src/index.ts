export { Botanist, type BotanistOptions, SHOOT_FINALIZER, type ShootKey } from './botanist.js';
export { ShootCare } from './care.js';
export { HibernationScheduler, scheduledHibernation } from './hibernation-schedule.js';
export { ShootStatusWriter } from './shoot-status.js';
export { type ShootHealth, STATUS_LABEL, shootHealth } from './status-label.js';
