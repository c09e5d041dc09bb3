export * from './choose.js';
export * from './scheduler.js';
