import type { ShootAccess, ShootAccessSource } from '../dependencies.js';
import { SimError, SimErrorCode } from '../errors.js';
import { ApiClient, type ApiResponse, type PatchType } from './api-client.js';

/** ask for new access this long before the current certificate expires */
const RENEW_BEFORE_EXPIRY_MS = 60_000;
/** how long a replaced client's sockets stay open for the calls still using them */
const RETIRE_GRACE_MS = 30_000;

interface Connection {
  readonly client: ApiClient;
  readonly renewAt: number;
}

/**
 * One API client per shoot, made from `shootAccess` on first use and reused until shortly before
 * its certificate expires; a 401 retires it and the call is tried once more with fresh access.
 * Concurrent first calls share one `shootAccess` call.
 */
export class ShootConnections {
  private readonly connections = new Map<string, Promise<Connection>>();

  constructor(
    private readonly shootAccess: ShootAccessSource | undefined,
    private readonly maxSockets?: number,
  ) {}

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

  /** Closes every connection at once (calls in flight fail). */
  close(): void {
    for (const [id, pending] of [...this.connections]) this.retire(id, pending, 0);
  }

  private async call(technicalId: string, send: (client: ApiClient) => Promise<ApiResponse>) {
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
    return { client: new ApiClient(access, { maxSockets: this.maxSockets }), renewAt };
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
