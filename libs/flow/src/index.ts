export { FlowError, FlowErrorCode, type TaskFailure } from './errors.js';
export { Flow, type RunOptions, type TaskOutcome } from './flow.js';
export type { FlowProgress, RetryPolicy, Task, TaskContext } from './task.js';
