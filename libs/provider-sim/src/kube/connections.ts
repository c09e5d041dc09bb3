import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ShootAccess, ShootAccessSource } from '../dependencies.js';
import { SimError, SimErrorCode } from '../errors.js';
import { ApiClient, type ApiResponse, type PatchType } from './api-client.js';
import {
  ApiCallCounter,
  type ApiCallStats,
  type ApiRetrySettings,
  backoffMs,
  DEFAULT_API_RETRY,
  transientStatus,
} from './retry.js';

/** ask for new access this long before the current certificate expires */
const RENEW_BEFORE_EXPIRY_MS = 60_000;
/** how long a replaced client's sockets stay open for the calls still using them */
const RETIRE_GRACE_MS = 30_000;

interface Connection {
  readonly client: ApiClient;
  readonly renewAt: number;
}

export interface ShootConnectionsOptions {
  /** connections per shoot's API server */
  readonly maxSockets?: number;
  readonly retry?: ApiRetrySettings;
}

/**
 * One API client per shoot, made from `shootAccess` on first use and reused until shortly before
 * its certificate expires; a 401 retires it and the call is tried once more with fresh access.
 * Concurrent first calls share one `shootAccess` call. A call that fails transiently (timeout,
 * connection reset or refused, 429, 5xx) is tried again after a growing pause, a bounded number of
 * times; then its last answer is returned (or its error thrown) and counted as a failure. Every
 * write of the sim can be repeated: POSTs take a 409, DELETEs a 404.
 */
export class ShootConnections {
  private readonly connections = new Map<string, Promise<Connection>>();
  private readonly retry: Required<ApiRetrySettings>;
  private readonly counter = new ApiCallCounter();
  /** aborted by close: no call waits for its next try after that */
  private closing = abortable();

  constructor(
    private readonly shootAccess: ShootAccessSource | undefined,
    private readonly options: ShootConnectionsOptions = {},
  ) {
    this.retry = { ...DEFAULT_API_RETRY, ...options.retry };
  }

  get(technicalId: string, path: string): Promise<ApiResponse> {
    return this.call(technicalId, (client) => client.get(path));
  }

  post(technicalId: string, path: string, body: unknown): Promise<ApiResponse> {
    return this.call(technicalId, (client) => client.post(path, body));
  }

  patch(technicalId: string, path: string, body: unknown, type: PatchType): Promise<ApiResponse> {
    return this.call(technicalId, (client) => client.patch(path, body, type));
  }

  delete(technicalId: string, path: string): Promise<ApiResponse> {
    return this.call(technicalId, (client) => client.delete(path));
  }

  /** what the calls went through so far */
  stats(): ApiCallStats {
    return this.counter.snapshot();
  }

  /** Closes every connection at once (calls in flight fail, none is tried again). */
  close(): void {
    this.closing.abort();
    this.closing = abortable();
    for (const [id, pending] of [...this.connections]) this.retire(id, pending, 0);
  }

  private async call(
    technicalId: string,
    send: (client: ApiClient) => Promise<ApiResponse>,
  ): Promise<ApiResponse> {
    this.counter.called();
    const closing = this.closing.signal;
    for (let attempt = 1; ; attempt += 1) {
      let outcome: ApiResponse | SimError;
      try {
        outcome = await this.once(technicalId, send);
      } catch (error) {
        if (!(error instanceof SimError) || error.transient === undefined) throw error;
        outcome = error;
      }
      const reason = outcome instanceof SimError ? outcome.transient : transientStatus(outcome);
      if (reason === undefined) return outcome as ApiResponse;
      if (attempt >= this.retry.attempts || closing.aborted) return this.giveUp(reason, outcome);
      this.counter.retried(reason);
      const retryAfter = outcome instanceof SimError ? 0 : outcome.retryAfterMs;
      try {
        await sleep(backoffMs(attempt, this.retry, retryAfter), undefined, { signal: closing });
      } catch {
        return this.giveUp(reason, outcome); // closed while waiting
      }
    }
  }

  private giveUp(reason: string, outcome: ApiResponse | SimError): ApiResponse {
    this.counter.failed(reason);
    if (outcome instanceof SimError) throw outcome;
    return outcome;
  }

  /** One try, with fresh access once after a 401. */
  private async once(
    technicalId: string,
    send: (client: ApiClient) => Promise<ApiResponse>,
  ): Promise<ApiResponse> {
    const used = this.connection(technicalId);
    const response = await send((await used).client);
    if (response.status !== 401) return response;
    this.retire(technicalId, used, RETIRE_GRACE_MS);
    return send((await this.connection(technicalId)).client);
  }

  private connection(technicalId: string): Promise<Connection> {
    const cached = this.connections.get(technicalId);
    if (cached) {
      return cached.then((connection) => {
        if (connection.renewAt > Date.now()) return connection;
        this.retire(technicalId, cached, RETIRE_GRACE_MS);
        return this.connection(technicalId);
      });
    }
    const pending = this.connect(technicalId);
    this.connections.set(technicalId, pending);
    pending.catch(() => {
      if (this.connections.get(technicalId) === pending) this.connections.delete(technicalId);
    });
    return pending;
  }

  private async connect(technicalId: string): Promise<Connection> {
    if (!this.shootAccess) {
      throw new SimError(
        SimErrorCode.NoShootAccess,
        'the sim provider was loaded without shootAccess: the gardenlet must pass it in the provider dependencies',
      );
    }
    let access: ShootAccess;
    try {
      access = await this.shootAccess(technicalId);
    } catch (error) {
      throw new SimError(
        SimErrorCode.ShootUnreachable,
        `no access to the API server of ${technicalId}: ${(error as Error).message}`,
      );
    }
    const renewAt = access.expiresAt ? access.expiresAt.getTime() - RENEW_BEFORE_EXPIRY_MS : Infinity;
    const client = new ApiClient(access, {
      maxSockets: this.options.maxSockets,
      timeoutMs: this.retry.timeoutMs,
    });
    return { client, renewAt };
  }

  /** Forgets this connection (unless already replaced); its sockets close after `graceMs`. */
  private retire(technicalId: string, pending: Promise<Connection>, graceMs: number): void {
    if (this.connections.get(technicalId) === pending) this.connections.delete(technicalId);
    pending.then(
      (connection) => {
        if (graceMs === 0) connection.client.close();
        else setTimeout(() => connection.client.close(), graceMs).unref();
      },
      () => undefined,
    );
  }
}

/** an AbortController whose signal every waiting call listens to (hundreds at once in a burst) */
function abortable(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
