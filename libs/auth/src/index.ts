export * from './admin-token.js';
export * from './authorize.js';
export * from './errors.js';
export * from './identity.js';
export * from './roles.js';
export * from './token-objects.js';
export * from './tokens.js';
