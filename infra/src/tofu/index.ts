export { GardenerErrorCode, isRetryable } from './error-codes.js';
export { TofuError, TofuErrorCode } from './errors.js';
export { REDACTED, redact } from './redact.js';
export type { StackDefinition } from './stack-definition.js';
export { loadOrCreateStateKey } from './state-encryption.js';
export { type ReconcileResult, TofuRunner, type TofuRunnerOptions } from './tofu-runner.js';
