export * from './events/event-expiry.js';
export * from './project/namespace-cleanup.js';
export * from './project/pass-lock.js';
export * from './project/project-controller.js';
export * from './project/project-reconciler.js';
export * from './seed/seed-lifecycle.js';
