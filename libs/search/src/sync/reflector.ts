import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { SearchError, SearchErrorCode } from '../errors.js';
import { apiVersionOf, type IndexedResource } from '../resources.js';
import type { KubeObject, ShootApi } from './shoot-api.js';

/** What a reflector tells its indexer: an object as it is now, one that is gone, or a list that ended. */
export type Change =
  | { readonly type: 'upsert'; readonly kind: string; readonly epoch: string; readonly object: KubeObject }
  | { readonly type: 'delete'; readonly kind: string; readonly namespace?: string; readonly name: string }
  | { readonly type: 'listed'; readonly kind: string; readonly epoch: string };

export interface ReflectorOptions {
  readonly pageSize?: number;
  readonly onError?: (error: Error) => void;
  /** pause after a failure: doubles from minBackoffMs up to maxBackoffMs */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

/** Fields no search reads and that make objects several times larger. */
function slim(object: KubeObject, resource: IndexedResource): KubeObject {
  const { managedFields: _managed, ...metadata } = object.metadata;
  return { ...object, apiVersion: apiVersionOf(resource), kind: resource.kind, metadata } as KubeObject;
}

/**
 * client-go's reflector for one kind of one shoot: a paged list (every object, then "listed" so the
 * index drops what the list did not see), then a watch from the list's resourceVersion, resumed
 * from the last version seen when the server ends it, and a new list when that version is too
 * old (410). Failures pause with a doubling backoff.
 */
export class Reflector {
  private resourceVersion: string | undefined;
  private epoch = '';

  constructor(
    private readonly api: () => ShootApi,
    private readonly resource: IndexedResource,
    private readonly emit: (change: Change) => void,
    private readonly options: ReflectorOptions = {},
  ) {}

  async run(signal: AbortSignal): Promise<void> {
    let backoff = this.options.minBackoffMs ?? 500;
    while (!signal.aborted) {
      try {
        if (this.resourceVersion === undefined) await this.list(signal);
        await this.watch(signal);
        backoff = this.options.minBackoffMs ?? 500;
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof SearchError && error.code === SearchErrorCode.Expired) {
          this.resourceVersion = undefined;
          continue;
        }
        this.options.onError?.(error as Error);
        await sleep(backoff * (0.5 + Math.random() / 2), undefined, { signal }).catch(() => undefined);
        backoff = Math.min(backoff * 2, this.options.maxBackoffMs ?? 30_000);
      }
    }
  }

  private async list(signal: AbortSignal): Promise<void> {
    const epoch = randomBytes(6).toString('hex');
    let next: string | undefined;
    let resourceVersion = '';
    do {
      const page = await this.api().list(
        this.resource,
        { limit: this.options.pageSize ?? 500, ...(next ? { continue: next } : {}) },
        signal,
      );
      for (const object of page.items)
        this.emit({ type: 'upsert', kind: this.resource.kind, epoch, object: slim(object, this.resource) });
      resourceVersion = page.resourceVersion;
      next = page.continue;
    } while (next);
    this.epoch = epoch;
    this.emit({ type: 'listed', kind: this.resource.kind, epoch });
    this.resourceVersion = resourceVersion;
  }

  private watch(signal: AbortSignal): Promise<void> {
    return this.api().watch(
      this.resource,
      this.resourceVersion ?? '',
      (event) => {
        const { kind } = this.resource;
        if (event.type === 'DELETED')
          this.emit({
            type: 'delete',
            kind,
            name: event.object.metadata.name,
            ...(event.object.metadata.namespace ? { namespace: event.object.metadata.namespace } : {}),
          });
        else if (event.type !== 'BOOKMARK')
          this.emit({ type: 'upsert', kind, epoch: this.epoch, object: slim(event.object, this.resource) });
        this.resourceVersion = event.object.metadata.resourceVersion ?? this.resourceVersion;
      },
      signal,
    );
  }
}
