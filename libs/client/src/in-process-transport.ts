import { ApiError, type KubeObject, type ResourceType } from '@gardener-ts/api';
import { type ResourceService, StoreError } from '@gardener-ts/store';
import { ClientError, ClientErrorCode, codeOfReason } from './errors.js';
import type { ListQuery, PatchType, Transport, WatchEvent, WatchQuery, WatchStream } from './transport.js';

/** The API's and the store's errors as ClientErrors; anything else (a bug, the database down) as it is. */
function toClientError(error: unknown): never {
  throw asClientError(error);
}

function asClientError(error: unknown): unknown {
  if (error instanceof ApiError || error instanceof StoreError)
    return new ClientError(codeOfReason(error.code) ?? ClientErrorCode.Internal, error.message);
  return error;
}

/**
 * The garden's objects through its own ResourceService, as the API serves them (admission,
 * defaults, status subresources), for controllers that run in the garden's process.
 */
export class InProcessTransport implements Transport {
  private readonly writeOptions: { fieldManager?: string };

  /** `fieldManager`: who the writes are recorded under in managedFields (the store's default when not given) */
  constructor(
    private readonly resources: ResourceService,
    fieldManager?: string,
  ) {
    this.writeOptions = fieldManager ? { fieldManager } : {};
  }

  get(type: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject> {
    return this.resources.get(type, namespace, name).catch(toClientError);
  }

  async list(type: ResourceType, namespace: string | undefined, query: ListQuery): Promise<KubeObject[]> {
    return (await this.resources.list(type, namespace, query).catch(toClientError)).items;
  }

  create(type: ResourceType, namespace: string | undefined, body: KubeObject): Promise<KubeObject> {
    return this.resources.create(type, namespace, body, this.writeOptions).catch(toClientError);
  }

  update(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    body: KubeObject,
    subresource?: 'status',
  ): Promise<KubeObject> {
    return this.resources
      .update(type, namespace, name, body, { ...this.writeOptions, ...(subresource ? { subresource } : {}) })
      .catch(toClientError);
  }

  patch(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patchType: PatchType,
    body: unknown,
  ): Promise<KubeObject> {
    return this.resources
      .patch(type, namespace, name, patchType, body, this.writeOptions)
      .catch(toClientError);
  }

  async delete(type: ResourceType, namespace: string | undefined, name: string): Promise<void> {
    await this.resources.delete(type, namespace, name).catch(toClientError);
  }

  async watch(
    type: ResourceType,
    namespace: string | undefined,
    query: WatchQuery,
    onEvent: (event: WatchEvent) => void,
  ): Promise<WatchStream> {
    let end: { resolve: () => void; reject: (error: unknown) => void } | undefined;
    const done = new Promise<void>((resolve, reject) => {
      end = { resolve, reject };
    });
    const handle = await this.resources
      .watch(type, namespace, query, onEvent, (error) => end?.reject(asClientError(error)))
      .catch(toClientError);
    return {
      done,
      close: () => {
        handle.close();
        end?.resolve();
      },
    };
  }
}
