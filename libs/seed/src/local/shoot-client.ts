import { request as httpsRequest } from 'node:https';
import { SeedError, SeedErrorCode } from '../errors.js';

export interface TlsClientOptions {
  /** https://host:port */
  readonly server: string;
  readonly caPem: string;
  readonly certPem?: string;
  readonly keyPem?: string;
}

export interface Response {
  readonly status: number;
  readonly text: string;
}

/**
 * The few calls the seed itself makes to a shoot's API server (health, bootstrap RBAC, bootstrap
 * tokens), over mutual TLS with node's https: no client library in the seed's runtime path.
 */
export class ShootClient {
  constructor(private readonly options: TlsClientOptions) {}

  request(method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<Response> {
    const url = new URL(path, this.options.server);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        url,
        {
          method,
          ca: this.options.caPem,
          cert: this.options.certPem,
          key: this.options.keyPem,
          agent: false,
          timeout: timeoutMs,
          headers: {
            accept: 'application/json',
            ...(payload
              ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
              : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${url.href} timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Creates the object, or replaces it when it exists (keeps bootstrap objects converged). */
  async ensure(
    collectionPath: string,
    object: { metadata: { name: string; [field: string]: unknown }; [field: string]: unknown },
  ): Promise<void> {
    const created = await this.request('POST', collectionPath, object);
    if (created.status === 201 || created.status === 200) return;
    if (created.status !== 409) throw apiError('create', collectionPath, created);
    const itemPath = `${collectionPath}/${object.metadata.name}`;
    const current = await this.request('GET', itemPath);
    if (current.status !== 200) throw apiError('read', itemPath, current);
    const resourceVersion = JSON.parse(current.text).metadata?.resourceVersion;
    const replaced = await this.request('PUT', itemPath, {
      ...object,
      metadata: { ...object.metadata, resourceVersion },
    });
    if (replaced.status !== 200) throw apiError('replace', itemPath, replaced);
  }

  async create(collectionPath: string, object: unknown): Promise<void> {
    const created = await this.request('POST', collectionPath, object);
    if (created.status !== 201 && created.status !== 200) throw apiError('create', collectionPath, created);
  }
}

function apiError(verb: string, path: string, response: Response): SeedError {
  return new SeedError(
    SeedErrorCode.ShootApi,
    `cannot ${verb} ${path}: HTTP ${response.status} ${response.text.slice(0, 300)}`,
  );
}
