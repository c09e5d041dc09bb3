export * from './errors.js';
export { run } from './run.js';
