/** One supervised process: what to run, and the TCP endpoints that must answer before it starts. */
export interface SupervisedComponent {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly waitFor?: readonly { readonly host: string; readonly port: number }[];
}

export interface BackoffPolicy {
  /** first restart delay */
  readonly initialMs: number;
  /** the delay doubles per crash up to this */
  readonly maxMs: number;
  /** a run at least this long resets the delay */
  readonly resetAfterMs: number;
}

/** supervisor.json: written by the backend, read by the supervisor at start and on SIGHUP. */
export interface SupervisorConfig {
  readonly components: readonly SupervisedComponent[];
  readonly backoff: BackoffPolicy;
  /** SIGTERM → SIGKILL grace on stop */
  readonly stopGraceMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 30_000, resetAfterMs: 60_000 };
