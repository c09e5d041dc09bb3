import { type Flow, FlowError, type Task, type TaskOutcome } from '@gardener-ts/flow';
import {
  isRetryableError,
  onlyFinalFailures,
  ShootOperationError,
  ShootOperationErrorCode,
} from './errors.js';
import { ProgressNote } from './progress.js';
import type { OperationType, ShootStatusWriter } from './shoot-status.js';

/** Gardener's default retryDuration */
const DEFAULT_RETRY_WINDOW_MS = 12 * 60 * 60 * 1000;
const DEFAULT_TASK_RETRY_MS = 30_000;

export interface FlowRunnerOptions {
  /** how long a task retries before its error is reported (the job then retries the flow) */
  readonly taskRetryMs?: number;
  /** how long after the first failure an operation keeps being retried before it is Failed */
  readonly retryWindowMs?: number;
  /** called as each task starts: the fault tests kill the gardenlet here */
  readonly beforeTask?: (taskId: string) => void;
  /** called as each task of a flow ends, with its duration: for logs and benchmarks */
  readonly onTaskDone?: (flow: string, outcome: TaskOutcome) => void;
}

/** Makes the tasks of a shoot's flows and runs them, with progress and failures in the shoot's status. */
export class FlowRunner {
  constructor(private readonly options: FlowRunnerOptions) {}

  task(id: string, dependencies: string[], fn: Task['fn']): Task {
    const { beforeTask } = this.options;
    return {
      id,
      dependencies,
      fn: async (context) => {
        beforeTask?.(id);
        await fn(context);
      },
      retry: { timeoutMs: this.options.taskRetryMs ?? DEFAULT_TASK_RETRY_MS, initialDelayMs: 500 },
    };
  }

  /** Runs the flow; a failure is written to the status and thrown as a ShootOperationError. */
  async run(
    flow: Flow,
    type: OperationType,
    status: ShootStatusWriter,
    signal: AbortSignal,
    progress = new ProgressNote(),
  ): Promise<void> {
    await status.progress(type, 0, `${flow.name}: starting`);
    progress.attach(status, type);
    try {
      await flow.run({
        signal,
        isRetryable: isRetryableError,
        onProgress: (p) => progress.flow(p.percent, p.running),
        onTaskDone: (outcome) => this.options.onTaskDone?.(flow.name, outcome),
      });
      await progress.settled();
    } catch (error) {
      await progress.settled();
      if (!(error instanceof FlowError)) throw error;
      throw await this.reportFailure(error, type, status, progress.current);
    }
  }

  private async reportFailure(
    error: FlowError,
    type: OperationType,
    status: ShootStatusWriter,
    progress: number,
  ): Promise<ShootOperationError> {
    const final = await status.failed(type, error.failures, {
      finalCause: onlyFinalFailures(error.failures),
      progress,
      retryWindowMs: this.options.retryWindowMs ?? DEFAULT_RETRY_WINDOW_MS,
    });
    const code = final ? ShootOperationErrorCode.Failed : ShootOperationErrorCode.Retrying;
    return new ShootOperationError(code, error.message, error.failures, { cause: error });
  }
}
