import type { BackoffPolicy } from '@gardener-ts/api/backoff';

/** One supervised process: what to run, and the TCP endpoints that must answer before it starts. */
export interface SupervisedComponent {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly waitFor?: readonly { readonly host: string; readonly port: number }[];
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
