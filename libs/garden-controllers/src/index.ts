export * from './project/namespace-cleanup.js';
export * from './project/pass-lock.js';
