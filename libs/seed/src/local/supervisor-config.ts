import type { BackoffPolicy } from '@gardener-ts/api/backoff';

/**
 * An endpoint that must answer before a component starts: a TCP port that accepts, or, with
 * `https`, a GET of `path` there (mutual TLS with the files named) that answers 200.
 */
export interface WaitFor {
  readonly host: string;
  readonly port: number;
  readonly https?: {
    readonly path: string;
    readonly caFile: string;
    readonly certFile: string;
    readonly keyFile: string;
  };
}

/** One supervised process: what to run, and the endpoints that must answer before it starts. */
export interface SupervisedComponent {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly waitFor?: readonly WaitFor[];
}

/** Restarts back off from initialMs, doubling per crash up to maxMs. */
export interface RestartPolicy extends BackoffPolicy {
  /** a run at least this long resets the delay */
  readonly resetAfterMs: number;
}

/** supervisor.json: written by the backend, read by the supervisor at start and on SIGHUP. */
export interface SupervisorConfig {
  readonly components: readonly SupervisedComponent[];
  readonly backoff: RestartPolicy;
  /** SIGTERM → SIGKILL grace on stop */
  readonly stopGraceMs: number;
}

export const DEFAULT_BACKOFF: RestartPolicy = { initialMs: 500, maxMs: 30_000, resetAfterMs: 60_000 };
