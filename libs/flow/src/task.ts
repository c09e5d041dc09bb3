export interface RetryPolicy {
  /** keep retrying until this long after the first attempt started */
  readonly timeoutMs: number;
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
}

export interface TaskContext {
  readonly signal: AbortSignal;
  /** 1 for the first attempt */
  readonly attempt: number;
}

export interface Task {
  readonly id: string;
  readonly fn: (context: TaskContext) => Promise<void>;
  readonly dependencies?: readonly string[];
  /** a skipped task counts as done for its dependents */
  readonly skipIf?: boolean | (() => boolean);
  /** without a policy a task runs once */
  readonly retry?: RetryPolicy;
}

export interface FlowProgress {
  /** 0–100; 100 only once every task succeeded or was skipped */
  readonly percent: number;
  readonly running: readonly string[];
  readonly done: readonly string[];
  readonly failed: readonly string[];
}
