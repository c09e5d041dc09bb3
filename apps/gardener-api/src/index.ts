export * from './app.module.js';
export * from './config.js';
export * from './create-app.js';
export * from './http/authorizer.js';
export * from './http/status.js';
