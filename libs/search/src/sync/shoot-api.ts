import { readLines } from '@gardener-ts/api';
import { Agent, fetch } from 'undici';
import { SearchError, SearchErrorCode } from '../errors.js';
import { collectionPath, type IndexedResource } from '../resources.js';

/** How the syncer reaches one shoot's kube-apiserver: its address, CA and a client certificate. */
export interface ShootAccess {
  readonly server: string;
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

export type KubeObject = Record<string, unknown> & {
  metadata: { name: string; namespace?: string; resourceVersion?: string; [key: string]: unknown };
};

export interface ListPage {
  readonly items: KubeObject[];
  readonly resourceVersion: string;
  readonly continue?: string;
}

export interface ShootWatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
  readonly object: KubeObject;
}

/** The server ends each watch after this long; the reflector opens the next from where it was. */
const WATCH_TIMEOUT_SECONDS = 300;

/** List and watch of one shoot's API over mutual TLS (no client library in this path). */
export class ShootApi {
  private readonly agent: Agent;

  constructor(private readonly access: ShootAccess) {
    this.agent = new Agent({ connect: { ca: access.caPem, cert: access.certPem, key: access.keyPem } });
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  async list(
    resource: IndexedResource,
    options: { limit: number; continue?: string },
    signal: AbortSignal,
  ): Promise<ListPage> {
    const params = new URLSearchParams({ limit: String(options.limit) });
    if (options.continue) params.set('continue', options.continue);
    const response = await this.send(`${collectionPath(resource)}?${params}`, signal, 30_000);
    const text = await response.text();
    if (!response.ok) throw failure('list', resource, response.status, text);
    const body = JSON.parse(text) as {
      items?: KubeObject[];
      metadata?: { resourceVersion?: string; continue?: string };
    };
    return {
      items: body.items ?? [],
      resourceVersion: body.metadata?.resourceVersion ?? '',
      ...(body.metadata?.continue ? { continue: body.metadata.continue } : {}),
    };
  }

  /** Resolves when the server ends the watch; Expired (410) means: list again. */
  async watch(
    resource: IndexedResource,
    resourceVersion: string,
    onEvent: (event: ShootWatchEvent) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const params = new URLSearchParams({
      watch: '1',
      resourceVersion,
      allowWatchBookmarks: 'true',
      timeoutSeconds: String(WATCH_TIMEOUT_SECONDS),
    });
    const response = await this.send(`${collectionPath(resource)}?${params}`, signal);
    if (!response.ok) throw failure('watch', resource, response.status, await response.text());
    if (!response.body) return;
    await readLines(response.body, (line) => {
      const event = JSON.parse(line) as { type: string; object: KubeObject & { code?: number } };
      if (event.type === 'ERROR')
        throw failure('watch', resource, event.object.code ?? 0, JSON.stringify(event.object));
      onEvent(event as ShootWatchEvent);
    });
  }

  private async send(path: string, signal: AbortSignal, timeoutMs?: number) {
    const signals = timeoutMs ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : signal;
    try {
      return await fetch(`${this.access.server}${path}`, {
        dispatcher: this.agent,
        headers: { accept: 'application/json' },
        signal: signals,
      });
    } catch (error) {
      throw new SearchError(SearchErrorCode.ShootApi, `GET ${path}: the shoot's API server does not answer`, {
        cause: error,
      });
    }
  }
}

function failure(verb: string, resource: IndexedResource, status: number, text: string): SearchError {
  if (status === 410)
    return new SearchError(SearchErrorCode.Expired, `${verb} ${resource.plural}: too old resource version`);
  return new SearchError(
    SearchErrorCode.ShootApi,
    `${verb} ${resource.plural}: HTTP ${status} ${text.slice(0, 200)}`,
  );
}
