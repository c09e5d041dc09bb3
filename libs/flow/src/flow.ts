import { FlowError, FlowErrorCode, type TaskFailure } from './errors.js';
import { runWithRetry } from './retry.js';
import type { FlowProgress, Task } from './task.js';
import { validateGraph } from './validate.js';

export interface RunOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: FlowProgress) => void;
  /** decides whether a failed attempt is tried again (within the task's retry policy) */
  readonly isRetryable?: (error: Error) => boolean;
  /** called as each task ends, with how long it took (retries included); skipped tasks are not reported */
  readonly onTaskDone?: (outcome: TaskOutcome) => void;
}

export interface TaskOutcome {
  readonly taskId: string;
  readonly durationMs: number;
  /** the last error of a task that failed */
  readonly error?: Error;
}

type State = 'pending' | 'running' | 'done' | 'failed' | 'blocked';

/**
 * A DAG of tasks: every task whose dependencies are done runs at once, a failure blocks only
 * the tasks that depend on it, and all failures are reported together at the end.
 */
export class Flow {
  private readonly tasks: ReadonlyMap<string, Task>;

  constructor(
    readonly name: string,
    tasks: readonly Task[],
  ) {
    validateGraph(name, tasks);
    this.tasks = new Map(tasks.map((task) => [task.id, task]));
  }

  taskIds(): string[] {
    return [...this.tasks.keys()];
  }

  async run(options: RunOptions = {}): Promise<void> {
    const signal = options.signal ?? new AbortController().signal;
    const state = new Map<string, State>([...this.tasks.keys()].map((id) => [id, 'pending']));
    const failures: TaskFailure[] = [];
    const running = new Map<string, Promise<void>>();
    const report = () => options.onProgress?.(this.progress(state));

    for (;;) {
      this.blockDependentsOfFailures(state);
      if (!signal.aborted) {
        for (const task of this.ready(state)) {
          state.set(task.id, 'running');
          running.set(task.id, this.execute(task, state, failures, signal, options));
        }
      }
      report();
      if (running.size === 0) break;
      const finished = await Promise.race([...running].map(([id, promise]) => promise.then(() => id)));
      running.delete(finished);
    }

    if (failures.length > 0) {
      const blocked = [...state].filter(([, s]) => s === 'blocked' || s === 'pending').map(([id]) => id);
      const summary = failures.map((f) => `task "${f.taskId}": ${f.error.message}`).join('; ');
      throw new FlowError(
        FlowErrorCode.TasksFailed,
        `flow "${this.name}" failed: ${summary}`,
        failures,
        blocked,
      );
    }
    if (signal.aborted) throw new FlowError(FlowErrorCode.Aborted, `flow "${this.name}" was aborted`);
  }

  private async execute(
    task: Task,
    state: Map<string, State>,
    failures: TaskFailure[],
    signal: AbortSignal,
    options: RunOptions,
  ): Promise<void> {
    if (isSkipped(task)) {
      state.set(task.id, 'done');
      return;
    }
    const started = performance.now();
    const report = (error?: Error) =>
      options.onTaskDone?.({
        taskId: task.id,
        durationMs: performance.now() - started,
        ...(error ? { error } : {}),
      });
    try {
      await runWithRetry(task, signal, options.isRetryable);
      state.set(task.id, 'done');
      report();
    } catch (caught) {
      const error = caught instanceof Error ? caught : new Error(String(caught));
      state.set(task.id, 'failed');
      failures.push({ taskId: task.id, error });
      report(error);
    }
  }

  private ready(state: Map<string, State>): Task[] {
    return [...this.tasks.values()].filter(
      (task) =>
        state.get(task.id) === 'pending' &&
        (task.dependencies ?? []).every((dep) => state.get(dep) === 'done'),
    );
  }

  private blockDependentsOfFailures(state: Map<string, State>): void {
    let changed = true;
    while (changed) {
      changed = false;
      for (const task of this.tasks.values()) {
        if (state.get(task.id) !== 'pending') continue;
        const deps = task.dependencies ?? [];
        if (deps.some((dep) => state.get(dep) === 'failed' || state.get(dep) === 'blocked')) {
          state.set(task.id, 'blocked');
          changed = true;
        }
      }
    }
  }

  private progress(state: Map<string, State>): FlowProgress {
    const ids = (wanted: State) => [...state].filter(([, s]) => s === wanted).map(([id]) => id);
    const done = ids('done');
    return {
      percent: Math.floor((done.length / state.size) * 100),
      running: ids('running'),
      done,
      failed: ids('failed'),
    };
  }
}

function isSkipped(task: Task): boolean {
  return typeof task.skipIf === 'function' ? task.skipIf() : task.skipIf === true;
}
