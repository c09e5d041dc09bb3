import { Agent, request as httpsRequest } from 'node:https';
import { createSecureContext } from 'node:tls';
import type { ShootAccess } from '../dependencies.js';
import { SimError, SimErrorCode } from '../errors.js';
import { DEFAULT_API_RETRY, RequestTimeout, transientError, transientStatus } from './retry.js';

export interface ApiResponse {
  readonly status: number;
  /** the parsed JSON body; undefined when the body is empty or not JSON */
  readonly body: unknown;
  /** the server's Retry-After (429, 503), in ms */
  readonly retryAfterMs?: number;
}

export type PatchType = 'merge' | 'strategic';

const CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

/**
 * A minimal JSON client for one shoot's kube-apiserver over mutual TLS (node's https, no client
 * library): keep-alive connections, at most `maxSockets` at once, so a heartbeat of hundreds of
 * Nodes reuses a few TLS sessions instead of opening one per call. One try per call: retries are
 * ShootConnections' business.
 */
export class ApiClient {
  private readonly agent: Agent;

  constructor(
    private readonly access: ShootAccess,
    private readonly options: { readonly maxSockets?: number; readonly timeoutMs?: number } = {},
  ) {
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: options.maxSockets ?? 32,
      // parsed once: given as ca/cert/key, every new connection would parse the PEMs again
      secureContext: createSecureContext({ ca: access.caPem, cert: access.certPem, key: access.keyPem }),
    });
  }

  get(path: string): Promise<ApiResponse> {
    return this.request('GET', path);
  }

  post(path: string, body: unknown): Promise<ApiResponse> {
    return this.request('POST', path, body);
  }

  patch(path: string, body: unknown, type: PatchType): Promise<ApiResponse> {
    return this.request('PATCH', path, body, CONTENT_TYPES[type]);
  }

  delete(path: string): Promise<ApiResponse> {
    return this.request('DELETE', path);
  }

  close(): void {
    this.agent.destroy();
  }

  private request(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<ApiResponse> {
    const url = new URL(path, this.access.server);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_API_RETRY.timeoutMs;
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        url,
        {
          method,
          agent: this.agent,
          timeout: timeoutMs,
          headers: {
            accept: 'application/json',
            ...(payload ? { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: parse(Buffer.concat(chunks)),
              retryAfterMs: retryAfterMs(res.headers['retry-after']),
            }),
          );
          res.on('error', (error) => reject(unreachable(method, url, error)));
        },
      );
      req.on('timeout', () => req.destroy(new RequestTimeout(timeoutMs)));
      req.on('error', (error) => reject(unreachable(method, url, error)));
      req.end(payload);
    });
  }
}

function parse(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Retry-After in seconds (the API server never sends the HTTP-date form) */
function retryAfterMs(header: string | undefined): number | undefined {
  const seconds = Number(header);
  return header && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

function unreachable(method: string, url: URL, error: Error): SimError {
  return new SimError(
    SimErrorCode.ShootUnreachable,
    `${method} ${url.pathname}: ${error.message}`,
    undefined,
    transientError(error),
  );
}

/** A SimError for an answer the caller did not expect, with the API server's own message. */
export function unexpected(what: string, response: ApiResponse): SimError {
  const message = (response.body as { message?: string } | undefined)?.message ?? '';
  return new SimError(
    SimErrorCode.ShootApi,
    `cannot ${what}: HTTP ${response.status}${message ? ` ${message.slice(0, 300)}` : ''}`,
    response.status,
    transientStatus(response),
  );
}
