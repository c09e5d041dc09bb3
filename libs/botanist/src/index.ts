export { Botanist, type BotanistOptions, SHOOT_FINALIZER, type ShootKey } from './botanist.js';
export { ShootStatusWriter } from './shoot-status.js';
