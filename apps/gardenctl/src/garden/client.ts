import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Logger } from '../cli/log.js';
import { GardenctlError, GardenctlErrorCode } from '../errors.js';
import type { ResolvedContext } from './kubeconfig.js';

export const CORE = '/apis/core.gardener.cloud/v1beta1';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}
export interface KubeList {
  items: KubeObject[];
  metadata?: { continue?: string };
}

interface Status {
  kind?: string;
  message?: string;
  reason?: string;
  code?: number;
}

export class NotFound extends Error {}

/** A refusal with its HTTP status, so callers can fall back (e.g. from cluster-wide to per-project lists). */
export class GardenApiError extends GardenctlError {
  constructor(
    readonly httpStatus: number,
    message: string,
    hint?: string,
  ) {
    super(GardenctlErrorCode.GardenApi, message, hint);
  }
}

const TIMEOUT_MS = 15_000;

/** Talks to one garden's API the Kubernetes way, with the kubeconfig's server, CA and credentials. */
export class GardenClient {
  private readonly base: URL;
  private readonly options: https.RequestOptions;

  constructor(
    readonly gardenName: string,
    private readonly connection: ResolvedContext,
    private readonly log?: Logger,
  ) {
    this.base = new URL(connection.cluster.server ?? '');
    this.options = tlsOptions(connection);
  }

  /** GET a path; undefined when the object does not exist (404). */
  async get<T = KubeObject>(path: string): Promise<T | undefined> {
    try {
      return (await this.request('GET', path)) as T;
    } catch (error) {
      if (error instanceof NotFound) return undefined;
      throw error;
    }
  }

  /** Lists every page of a collection. */
  async list(path: string, query: Record<string, string> = {}): Promise<KubeObject[]> {
    const items: KubeObject[] = [];
    let next: string | undefined;
    do {
      const params = new URLSearchParams({ ...query, limit: '500', ...(next ? { continue: next } : {}) });
      const page = (await this.request('GET', `${path}?${params}`)) as KubeList;
      items.push(...(page.items ?? []));
      next = page.metadata?.continue || undefined;
    } while (next);
    return items;
  }

  /** POSTs a JSON body (subresource requests such as shoots/{name}/adminkubeconfig). */
  post<T = KubeObject>(path: string, body: unknown): Promise<T> {
    return this.request('POST', path, body) as Promise<T>;
  }

  /** A JSON merge patch. */
  patch<T = KubeObject>(path: string, body: unknown): Promise<T> {
    return this.request('PATCH', path, body, 'application/merge-patch+json') as Promise<T>;
  }

  /** Deletes; a missing object is no error. */
  async delete(path: string): Promise<void> {
    await this.request('DELETE', path).catch((error: unknown) => {
      if (!(error instanceof NotFound)) throw error;
    });
  }

  private request(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<unknown> {
    const url = new URL(this.base.pathname.replace(/\/$/, '') + path, this.base);
    const transport = url.protocol === 'https:' ? https : http;
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'gardenctl-ts' };
    const token = bearerToken(this.connection);
    if (token) headers.authorization = `Bearer ${token}`;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload) headers['content-type'] = contentType;
    const { username, password } = this.connection.user;
    if (!token && username && password) {
      headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    }
    this.logRequest(method, url, headers);
    const started = Date.now();
    return new Promise((resolvePromise, reject) => {
      const req = transport.request(url, { ...this.options, method, headers, timeout: TIMEOUT_MS }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          this.log?.info(
            6,
            `${method} ${url} ${status} ${res.statusMessage ?? ''} in ${Date.now() - started} milliseconds`,
          );
          if (status >= 200 && status < 300) {
            try {
              resolvePromise(JSON.parse(text));
            } catch {
              reject(this.apiError(`${method} ${path}: the garden answered with something that is not JSON`));
            }
            return;
          }
          if (status === 404) return reject(new NotFound(path));
          reject(this.statusError(status, text));
        });
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
      req.on('error', (error: NodeJS.ErrnoException) => reject(this.unreachable(error)));
      req.end(payload);
    });
  }

  /** `-v 7`: the request's headers as client-go logs them, credentials masked. */
  private logRequest(method: string, url: URL, headers: Readonly<Record<string, string>>): void {
    if (!this.log?.enabled(7)) return;
    const shown = Object.entries(headers).map(([name, value]) =>
      name === 'authorization' ? `${name}: ${value.split(' ')[0]} <masked>` : `${name}: ${value}`,
    );
    this.log.info(7, 'Request', { verb: method, url: url.toString(), headers: shown });
  }

  private statusError(code: number, body: string): GardenctlError {
    let status: Status = {};
    try {
      status = JSON.parse(body) as Status;
    } catch {}
    const message = status.message || body.trim().slice(0, 200) || `HTTP ${code}`;
    if (code === 401) {
      return new GardenApiError(
        401,
        `garden "${this.gardenName}" rejected the credentials (401 Unauthorized): ${message}`,
        "renew the garden kubeconfig (the README's first command writes it) and check it with gardenctl config view",
      );
    }
    if (code === 403) {
      return new GardenApiError(
        403,
        `garden "${this.gardenName}" forbids this (403): ${message}`,
        'ask a project admin to add you as a member of the project',
      );
    }
    return new GardenApiError(code, `garden "${this.gardenName}" answered ${code}: ${message}`);
  }

  private apiError(message: string): GardenctlError {
    return new GardenctlError(GardenctlErrorCode.GardenApi, message);
  }

  private unreachable(error: NodeJS.ErrnoException): GardenctlError {
    return new GardenctlError(
      GardenctlErrorCode.Unreachable,
      `cannot reach garden "${this.gardenName}" at ${this.base.origin}: ${error.code ?? error.message}`,
      'check that the garden API is running (npm run up starts it) and that the garden kubeconfig names the right server',
    );
  }
}

function readOptional(path: string | undefined): Buffer | undefined {
  return path ? readFileSync(path) : undefined;
}

function fromData(data: string | undefined): Buffer | undefined {
  return data ? Buffer.from(data, 'base64') : undefined;
}

function tlsOptions({ cluster, user }: ResolvedContext): https.RequestOptions {
  const options: https.RequestOptions = {};
  const ca =
    fromData(cluster['certificate-authority-data']) ?? readOptional(cluster['certificate-authority']);
  if (ca) options.ca = ca;
  if (cluster['insecure-skip-tls-verify']) options.rejectUnauthorized = false;
  const cert = fromData(user['client-certificate-data']) ?? readOptional(user['client-certificate']);
  const key = fromData(user['client-key-data']) ?? readOptional(user['client-key']);
  if (cert && key) {
    options.cert = cert;
    options.key = key;
  }
  return options;
}

function bearerToken({ user }: ResolvedContext): string | undefined {
  if (user.token) return user.token;
  if (user.tokenFile) return readFileSync(user.tokenFile, 'utf8').trim();
  return undefined;
}
