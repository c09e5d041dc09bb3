import { type KubeObject, type ResourceType, readLines } from '@gardener-ts/api';
import { Agent, fetch } from 'undici';
import { ClientError, ClientErrorCode, codeOfReason } from './errors.js';
import type { ListQuery, PatchType, Transport, WatchEvent, WatchQuery, WatchStream } from './transport.js';

export interface HttpTransportOptions {
  /** the garden API, e.g. https://127.0.0.1:8080 */
  readonly server: string;
  readonly token: string;
  /** PEM of the CA that signed the server's certificate (https only) */
  readonly caPem?: string;
  readonly timeoutMs?: number;
  /** who the writes are recorded under in managedFields (`?fieldManager=`), e.g. `gardenlet` */
  readonly fieldManager?: string;
}

const PATCH_TYPES: Readonly<Record<PatchType, string>> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

/** For answers that are not a Status (a proxy's, say). */
const BY_STATUS: Readonly<Record<number, ClientErrorCode>> = {
  400: ClientErrorCode.BadRequest,
  401: ClientErrorCode.Unauthorized,
  403: ClientErrorCode.Forbidden,
  404: ClientErrorCode.NotFound,
  409: ClientErrorCode.Conflict,
  422: ClientErrorCode.Invalid,
};

/** The garden's objects over its REST API with a bearer token, as any gardenlet on another host would. */
export class HttpTransport implements Transport {
  private readonly dispatcher: Agent;
  private readonly server: string;

  constructor(private readonly options: HttpTransportOptions) {
    this.server = options.server.replace(/\/+$/, '');
    this.dispatcher = new Agent(options.caPem ? { connect: { ca: options.caPem } } : {});
  }

  get(type: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject> {
    return this.request('GET', objectPath(type, namespace, name));
  }

  async list(type: ResourceType, namespace: string | undefined, query: ListQuery): Promise<KubeObject[]> {
    const params = new URLSearchParams();
    if (query.labelSelector) params.set('labelSelector', query.labelSelector);
    if (query.fieldSelector) params.set('fieldSelector', query.fieldSelector);
    const items: KubeObject[] = [];
    let next: string | undefined;
    do {
      if (next) params.set('continue', next);
      params.set('limit', '500');
      const page = await this.request<{ items: KubeObject[]; metadata: { continue?: string } }>(
        'GET',
        `${collectionPath(type, namespace)}?${params}`,
      );
      items.push(...page.items);
      next = page.metadata.continue || undefined;
    } while (next);
    return items;
  }

  create(type: ResourceType, namespace: string | undefined, body: KubeObject): Promise<KubeObject> {
    return this.request('POST', this.managed(collectionPath(type, namespace)), body);
  }

  update(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    body: KubeObject,
    subresource?: 'status',
  ): Promise<KubeObject> {
    const path = objectPath(type, namespace, name) + (subresource ? `/${subresource}` : '');
    return this.request('PUT', this.managed(path), body);
  }

  patch(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patchType: PatchType,
    body: unknown,
  ): Promise<KubeObject> {
    const path = this.managed(objectPath(type, namespace, name));
    return this.request('PATCH', path, body, PATCH_TYPES[patchType]);
  }

  async delete(type: ResourceType, namespace: string | undefined, name: string): Promise<void> {
    await this.request('DELETE', objectPath(type, namespace, name));
  }

  /**
   * A watch as JSON lines. The server ends it after `timeoutSeconds` (as client-go asks, so no
   * connection lives for ever behind a load balancer); the caller watches again from where it was.
   */
  async watch(
    type: ResourceType,
    namespace: string | undefined,
    query: WatchQuery,
    onEvent: (event: WatchEvent) => void,
  ): Promise<WatchStream> {
    const params = new URLSearchParams({ watch: '1', timeoutSeconds: String(WATCH_TIMEOUT_SECONDS) });
    if (query.labelSelector) params.set('labelSelector', query.labelSelector);
    if (query.fieldSelector) params.set('fieldSelector', query.fieldSelector);
    if (query.resourceVersion) params.set('resourceVersion', query.resourceVersion);
    const path = `${collectionPath(type, namespace)}?${params}`;
    const aborter = new AbortController();
    const response = await this.send('GET', path, undefined, undefined, aborter.signal);
    if (!response.ok) throw statusError('GET', path, response.status, await response.text());
    const body = response.body;
    if (!body) throw new ClientError(ClientErrorCode.Unavailable, `GET ${path}: the watch has no body`);
    const done = readLines(body, (line) => {
      const event = JSON.parse(line) as { type: string; object: KubeObject };
      if (event.type === 'ERROR') throw statusError('GET', path, 0, JSON.stringify(event.object));
      if (event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED')
        onEvent({ type: event.type, object: event.object });
    }).catch((error: unknown) => {
      if (aborter.signal.aborted) return;
      if (error instanceof ClientError) throw error;
      throw new ClientError(
        ClientErrorCode.Unavailable,
        `GET ${path}: the watch broke (${messageOf(error)})`,
      );
    });
    return { done, close: () => aborter.abort() };
  }

  private managed(path: string): string {
    const manager = this.options.fieldManager;
    return manager ? `${path}?fieldManager=${encodeURIComponent(manager)}` : path;
  }

  /** Any call of the garden API; errors are ClientErrors, as for the typed verbs. */
  async request<T = KubeObject>(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<T> {
    const signal = AbortSignal.timeout(this.options.timeoutMs ?? 30_000);
    const response = await this.send(method, path, body, contentType, signal);
    const text = await response.text();
    if (response.ok) return JSON.parse(text) as T;
    throw statusError(method, path, response.status, text);
  }

  private async send(
    method: string,
    path: string,
    body: unknown,
    contentType: string | undefined,
    signal: AbortSignal,
  ): Promise<Awaited<ReturnType<typeof fetch>>> {
    try {
      return await fetch(`${this.server}${path}`, {
        method,
        dispatcher: this.dispatcher,
        headers: {
          authorization: `Bearer ${this.options.token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': contentType ?? 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal,
      });
    } catch (error) {
      throw new ClientError(
        ClientErrorCode.Unavailable,
        `${method} ${path}: the garden API does not answer (${messageOf(error)})`,
      );
    }
  }
}

/** How long the server keeps one watch open; the watcher then opens the next. */
const WATCH_TIMEOUT_SECONDS = 300;

function messageOf(error: unknown): string {
  return error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : '';
}

function statusError(method: string, path: string, status: number, text: string): ClientError {
  let parsed: { reason?: string; message?: string } = {};
  try {
    parsed = JSON.parse(text);
  } catch {
    // not a Status: the status code says it
  }
  const code =
    codeOfReason(parsed.reason) ??
    BY_STATUS[status] ??
    (status >= 500 ? ClientErrorCode.Unavailable : ClientErrorCode.Internal);
  return new ClientError(code, `${method} ${path}: ${parsed.message ?? `HTTP ${status}`}`);
}

function collectionPath(type: ResourceType, namespace: string | undefined): string {
  const root = type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
  // a namespaced kind without a namespace: across all namespaces
  const scope = type.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${root}${scope}/${type.plural}`;
}

function objectPath(type: ResourceType, namespace: string | undefined, name: string): string {
  return `${collectionPath(type, namespace)}/${encodeURIComponent(name)}`;
}
