import { CodedError } from '@gardener-ts/api/coded-error';

export enum FlowErrorCode {
  InvalidGraph = 'FLOW_INVALID_GRAPH',
  TasksFailed = 'FLOW_TASKS_FAILED',
  Aborted = 'FLOW_ABORTED',
}

export interface TaskFailure {
  readonly taskId: string;
  readonly error: Error;
}

export class FlowError extends CodedError<FlowErrorCode> {
  constructor(
    code: FlowErrorCode,
    message: string,
    /** every task that failed, in the order they failed */
    readonly failures: readonly TaskFailure[] = [],
    /** tasks that never ran because something they depend on failed */
    readonly blocked: readonly string[] = [],
  ) {
    super(code, message);
  }
}
