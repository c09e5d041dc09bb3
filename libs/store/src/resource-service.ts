import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AdmissionLookups,
  ApiError,
  ApiErrorCode,
  admit,
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
  type CloudProfile,
  DELETION_CONFIRMATION_ANNOTATION,
  type DecodeOptions,
  decodeStrict,
  fieldSelectorsOf,
  GARDEN_NAMESPACE,
  jsonEqual,
  type KubeObject,
  type ManagedFieldsEntry,
  managedFieldsAfterUpdate,
  namespaceOf,
  type ProviderConfigCheck,
  parseFieldSelector,
  parseLabelSelector,
  planApply,
  prepareForCreate,
  prepareForDelete,
  prepareForUpdate,
  type ResourceType,
  readyToRemove,
  type Seed,
  type Shoot,
  storageTypeOf,
  timestamp,
  type VersionConversion,
} from '@gardener-ts/api';
import { backoffDelay } from '@gardener-ts/api/backoff';
import { StoreError, StoreErrorCode } from './errors.js';
import { namespaceTerminating } from './namespace-lifecycle.js';
import { type OutboxEntry, outboxEntry, reconcileReason } from './outbox.js';
import { RecentReads } from './recent-reads.js';
import type { ObjectKey, ResourceRepository, Selection, StoredEvent } from './repository.js';
import type { WatchHandle, WatchHub } from './watch-hub.js';

export type PatchType = 'merge' | 'json' | 'strategic';

export interface WriteOptions {
  dryRun?: boolean;
  subresource?: 'status';
  /**
   * Refuses (by throwing) an admitted write the caller may not make, e.g. a project's members or
   * a system finalizer. On create it sees the decoded request (`old` undefined), on update the
   * admitted object about to be stored. The gardenlet's in-process writes pass none.
   */
  checkChange?: (old: KubeObject | undefined, next: KubeObject) => void;
  /** what unknown fields in the body do (Strict when not given), and who is told under Warn */
  decode?: DecodeOptions;
  /** who writes (kube's fieldManager), recorded in metadata.managedFields; DEFAULT_FIELD_MANAGER when not given */
  fieldManager?: string;
}

export interface ApplyOptions extends WriteOptions {
  fieldManager: string;
  /** take the fields other managers own instead of failing with a conflict */
  force?: boolean;
  /** false: the object must exist (the caller checked it did and authorized no create); NotFound otherwise */
  mayCreate?: boolean;
}

/** The manager of in-process writes that name none (the API's own controllers). */
export const DEFAULT_FIELD_MANAGER = 'gardener-apiserver';

/** Sets metadata.managedFields of the object about to be stored, from the stored one (none on create). */
type Ownership = (old: KubeObject | undefined, next: KubeObject) => void;

function setManagedFields(obj: KubeObject, entries: ManagedFieldsEntry[] | undefined): void {
  if (entries) obj.metadata.managedFields = entries;
  else delete obj.metadata.managedFields;
}

export interface DeleteOptions {
  dryRun?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  /** A deletion the system decided (a deleted project's namespace): no confirmation annotation needed. */
  skipConfirmation?: boolean;
}

export interface ListQuery {
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  limit?: number | undefined;
  continue?: string | undefined;
  resourceVersion?: string | undefined;
}

export interface KubeList {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion: string; continue?: string };
  items: KubeObject[];
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
}

/**
 * Runs on a decoded new object before admission (defaults and validation), e.g. to bind a shoot
 * to a seed so that its node network is allocated in the same write.
 */
export type CreateHook = (type: ResourceType, obj: KubeObject) => Promise<void>;

/** How often a write that did not name a resourceVersion is retried after losing a race. */
const MAX_RETRIES = 32;
/** pauses between such retries: a random part of 1 ms, doubling up to 20 ms */
const RETRY_BACKOFF = { initialMs: 1, maxMs: 20 };

function isConflict(error: unknown): boolean {
  return error instanceof StoreError && error.code === StoreErrorCode.Conflict;
}

/**
 * The registry: Kubernetes verbs over the repository. Decodes strictly, admits (defaults +
 * validation), applies the kind's strategy (server-owned fields, generation, status subresource)
 * and writes with optimistic concurrency, retrying only writes whose caller named no version.
 */
export class ResourceService {
  readonly lookups: AdmissionLookups;
  private readonly createHooks: CreateHook[] = [];
  private providerConfigCheck?: ProviderConfigCheck;
  /** admission reads CloudProfiles as Gardener's admission plugins do, from a cache */
  private readonly cloudProfiles: RecentReads<CloudProfile>;

  constructor(
    private readonly repository: ResourceRepository,
    private readonly watches: WatchHub,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.cloudProfiles = new RecentReads(repository, 'CloudProfile');
    this.lookups = {
      cloudProfile: (name) => this.cloudProfiles.get(name),
      seed: async (name) => (await repository.get({ kind: 'Seed', name })) as Seed | undefined,
      shootsOnSeed: async (seedName, except) => {
        const rows = await repository.fieldWhere('Shoot', 'spec.seedName', seedName, 'spec.networking.nodes');
        return rows
          .filter((s) => !(s.namespace === except.namespace && s.name === except.name))
          .map((s) => ({ nodes: s.value ?? undefined }));
      },
      exists: async (kind, namespace, name) =>
        (await repository.get({ kind, namespace, name })) !== undefined,
      projectOfNamespace: async (namespace) =>
        (await repository.namesWhere('Project', 'spec.namespace', namespace, 1))[0]?.name,
      shoot: async (namespace, name) =>
        (await repository.get({ kind: 'Shoot', namespace, name })) as Shoot | undefined,
    };
  }

  addCreateHook(hook: CreateHook): void {
    this.createHooks.push(hook);
  }

  /** Admission asks the providers about the provider configs of shoots. */
  setProviderConfigCheck(check: ProviderConfigCheck): void {
    this.providerConfigCheck = check;
  }

  private admissionContext() {
    return { lookups: this.lookups, now: this.now(), providerConfigCheck: this.providerConfigCheck };
  }

  async get(type: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject> {
    if (type.conversion)
      return type.conversion.fromStorage(await this.get(storageTypeOf(type), namespace, name));
    const obj = await this.repository.get(this.key(type, namespace, name));
    if (!obj) throw this.notFound(type, name);
    return obj;
  }

  /** A project's namespace (or the garden's own), shown as a v1 Namespace; NotFound otherwise. */
  async getNamespace(name: string): Promise<KubeObject> {
    if (name === GARDEN_NAMESPACE) return namespaceOf(name);
    const project = await this.repository.findWhere('Project', 'spec.namespace', name);
    if (!project)
      throw new ApiError(ApiErrorCode.NotFound, `namespaces "${name}" not found`, {
        kind: 'namespaces',
        name,
      });
    return namespaceOf(name, project);
  }

  /** A namespace new objects may go into: it exists and its project is not being deleted. */
  async activeNamespace(name: string): Promise<KubeObject> {
    const namespace = await this.getNamespace(name);
    if ((namespace.status as { phase?: string } | undefined)?.phase === 'Terminating')
      throw namespaceTerminating(name);
    return namespace;
  }

  async listNamespaces(): Promise<KubeList> {
    const projects = await this.repository.list('Project');
    const items = [
      namespaceOf(GARDEN_NAMESPACE),
      ...projects.items
        .filter((p) => typeof (p.spec as { namespace?: unknown })?.namespace === 'string')
        .map((p) => namespaceOf((p.spec as { namespace: string }).namespace, p)),
    ].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
    return {
      apiVersion: 'v1',
      kind: 'NamespaceList',
      metadata: { resourceVersion: projects.resourceVersion },
      items,
    };
  }

  async list(type: ResourceType, namespace: string | undefined, query: ListQuery): Promise<KubeList> {
    if (type.conversion) {
      const list = await this.list(storageTypeOf(type), namespace, this.storageQuery(type, query));
      const items = list.items.map(type.conversion.fromStorage);
      return { ...list, apiVersion: type.apiVersion, items };
    }
    const selection = this.selection(type, namespace, query);
    const result = await this.repository.list(type.kind, {
      ...selection,
      limit: query.limit,
      continue: query.continue,
    });
    const metadata: KubeList['metadata'] = { resourceVersion: result.resourceVersion };
    if (result.continue) metadata.continue = result.continue;
    return { apiVersion: type.apiVersion, kind: `${type.kind}List`, metadata, items: result.items };
  }

  async create(
    type: ResourceType,
    namespace: string | undefined,
    body: unknown,
    options: WriteOptions = {},
  ): Promise<KubeObject> {
    return this.insert(type, namespace, body, options, this.updateOwnership(type, options));
  }

  private async insert(
    type: ResourceType,
    namespace: string | undefined,
    body: unknown,
    options: WriteOptions,
    ownership: Ownership,
  ): Promise<KubeObject> {
    const obj = this.decode(type, body, options.decode);
    if (type.conversion)
      return this.converted(type.conversion, storageTypeOf(type), (storage, toStorage) =>
        this.create(storage, namespace, toStorage(obj), options),
      );
    this.placeInNamespace(type, obj, namespace);
    // on create the caller's own request is checked, before the server adds anything to it
    options.checkChange?.(undefined, obj);
    if (type.namespaced) await this.activeNamespace(namespace ?? '');
    if (!obj.metadata.name && obj.metadata.generateName) {
      obj.metadata.name = `${obj.metadata.generateName}${randomBytes(3).toString('hex').slice(0, 5)}`;
    }
    for (const hook of this.createHooks) await hook(type, obj);
    const run = async () => {
      await admit(type, obj, undefined, this.admissionContext());
      prepareForCreate(type, obj, this.now());
      ownership(undefined, obj);
      if (!options.dryRun) return this.repository.create(obj, this.outbox(obj, undefined));
      if (await this.repository.get(this.key(type, namespace, obj.metadata.name ?? '')))
        throw this.alreadyExists(type, obj);
      return obj;
    };
    return this.allocating(type, obj, undefined, run).catch((error) => {
      if (error instanceof StoreError && error.code === StoreErrorCode.AlreadyExists)
        throw this.alreadyExists(type, obj);
      throw error;
    });
  }

  async update(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    body: unknown,
    options: WriteOptions = {},
  ): Promise<KubeObject> {
    const obj = this.decode(type, body, options.decode);
    if (type.conversion)
      return this.converted(type.conversion, storageTypeOf(type), (storage, toStorage) =>
        this.update(storage, namespace, name, toStorage(obj), options),
      );
    this.placeInNamespace(type, obj, namespace);
    if (obj.metadata.name !== name) {
      throw new ApiError(
        ApiErrorCode.BadRequest,
        `the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    const precondition = obj.metadata.resourceVersion;
    return this.retrying(
      () => precondition === undefined,
      async () => {
        const old = await this.get(type, namespace, name);
        return this.write(
          type,
          structuredClone(obj),
          old,
          precondition ?? old.metadata.resourceVersion,
          options,
        );
      },
    );
  }

  async patch(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patchType: PatchType,
    patch: unknown,
    options: WriteOptions = {},
  ): Promise<KubeObject> {
    if (patchType === 'strategic' && !type.strategicMerge) {
      throw new ApiError(
        ApiErrorCode.UnsupportedMediaType,
        `strategic merge patch is not supported for ${type.kind}; use a JSON merge patch or a JSON patch`,
      );
    }
    let namedVersion = false;
    return this.retrying(
      () => !namedVersion,
      async () => {
        const old = await this.get(type, namespace, name);
        const patched = this.applyPatch(type, patchType, old, patch);
        const version = (patched as KubeObject | undefined)?.metadata?.resourceVersion;
        namedVersion = version !== old.metadata.resourceVersion;
        // another version's object, patched in its own shape, is written as an update naming the version read
        if (type.conversion) return this.update(type, namespace, name, patched, options);
        const obj = this.decode(type, patched, options.decode);
        this.placeInNamespace(type, obj, namespace);
        if (obj.metadata.name !== name)
          throw new ApiError(ApiErrorCode.BadRequest, 'a patch must not change metadata.name');
        return this.write(type, obj, old, version ?? old.metadata.resourceVersion, options);
      },
    );
  }

  /**
   * Server-side apply (`application/apply-patch+yaml`): merges the configuration into the object,
   * or creates it, recording `fieldManager` as an Apply manager (libs/api apply). A
   * metadata.resourceVersion in the configuration is a precondition; without one a lost race is
   * retried. The result goes through admission and the caller's change check like any update.
   */
  async apply(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    body: unknown,
    options: ApplyOptions,
  ): Promise<{ object: KubeObject; created: boolean }> {
    if (type.conversion)
      throw new ApiError(
        ApiErrorCode.UnsupportedMediaType,
        `server-side apply is not supported for ${type.apiVersion} ${type.kind}; apply it as ${type.conversion.storageApiVersion}`,
      );
    const config = applyConfiguration(type, body, name);
    const precondition = config.metadata.resourceVersion;
    const scope = { type, subresource: options.subresource };
    return this.retrying(
      () => precondition === undefined,
      async () => {
        const live = await this.repository.get(this.key(type, namespace, name));
        const plan = planApply(scope, live, config, options.fieldManager, options.force ?? false);
        const ownership: Ownership = (_old, next) =>
          setManagedFields(next, plan.managedFields(next, timestamp(this.now())));
        if (!live) {
          if (options.subresource || options.mayCreate === false) throw this.notFound(type, name);
          const object = await this.insert(type, namespace, plan.object, options, ownership).catch(
            (error: unknown) => {
              // created meanwhile by another writer: apply again onto it
              if (error instanceof ApiError && error.code === ApiErrorCode.AlreadyExists)
                throw new StoreError(StoreErrorCode.Conflict, error.message);
              throw error;
            },
          );
          return { object, created: true };
        }
        const obj = this.decode(type, plan.object, options.decode);
        this.placeInNamespace(type, obj, namespace);
        const expected = precondition ?? live.metadata.resourceVersion;
        return { object: await this.write(type, obj, live, expected, options, ownership), created: false };
      },
    );
  }

  /** Deletes, or marks for deletion while finalizers remain; returns the object's last state. */
  async delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): Promise<KubeObject> {
    if (type.conversion)
      return this.converted(type.conversion, storageTypeOf(type), (storage) =>
        this.delete(storage, namespace, name, options),
      );
    const preconditions = options.preconditions ?? {};
    return this.retrying(
      () => preconditions.resourceVersion === undefined,
      async () => {
        const old = await this.get(type, namespace, name);
        if (preconditions.uid !== undefined && preconditions.uid !== old.metadata.uid) {
          throw new StoreError(
            StoreErrorCode.Conflict,
            `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${old.metadata.uid}`,
          );
        }
        if (
          type.confirmDeletion &&
          !options.skipConfirmation &&
          old.metadata.annotations?.[DELETION_CONFIRMATION_ANNOTATION] !== 'true'
        ) {
          throw new ApiError(
            ApiErrorCode.Forbidden,
            `${type.plural}.${type.group} "${name}" is forbidden: must have a "${DELETION_CONFIRMATION_ANNOTATION}" annotation set to "true" to delete`,
            { kind: type.plural, name, group: type.group },
          );
        }
        const expected = preconditions.resourceVersion ?? old.metadata.resourceVersion;
        const next = prepareForDelete(old, this.now());
        if (options.dryRun) return next ?? old;
        if (!next) return this.repository.delete(this.key(type, namespace, name), expected);
        if (next === old) {
          if (expected !== old.metadata.resourceVersion)
            throw new StoreError(StoreErrorCode.Conflict, 'the object has been modified');
          return old;
        }
        return this.repository.update(next, expected, this.outbox(next, old));
      },
    );
  }

  /**
   * Streams changes. Without a resourceVersion (or with "0") the current objects come first as
   * ADDED events; with one, history after it is replayed (Expired when compacted away).
   */
  async watch(
    type: ResourceType,
    namespace: string | undefined,
    query: ListQuery,
    onEvent: (event: WatchEvent) => void,
    onError: (error: Error) => void,
  ): Promise<WatchHandle> {
    if (type.conversion) {
      const { fromStorage } = type.conversion;
      return this.watch(
        storageTypeOf(type),
        namespace,
        this.storageQuery(type, query),
        (event) => onEvent({ type: event.type, object: fromStorage(event.object) }),
        onError,
      );
    }
    const selection = this.selection(type, namespace, query);
    let from: bigint;
    if (
      query.resourceVersion === undefined ||
      query.resourceVersion === '' ||
      query.resourceVersion === '0'
    ) {
      const { items, resourceVersion } = await this.repository.list(type.kind, selection);
      for (const object of items) onEvent({ type: 'ADDED', object });
      from = BigInt(resourceVersion);
    } else if (/^\d+$/.test(query.resourceVersion)) {
      from = BigInt(query.resourceVersion);
    } else {
      throw new ApiError(ApiErrorCode.BadRequest, `invalid resource version "${query.resourceVersion}"`);
    }
    return this.watches.watch(
      type.kind,
      selection,
      from,
      (e: StoredEvent) => onEvent({ type: e.type, object: e.object }),
      onError,
    );
  }

  /** A write to another version's stored objects, answered in the version asked for. */
  private async converted(
    conversion: VersionConversion,
    storage: ResourceType,
    fn: (storage: ResourceType, toStorage: VersionConversion['toStorage']) => Promise<KubeObject>,
  ): Promise<KubeObject> {
    return conversion.fromStorage(await fn(storage, conversion.toStorage));
  }

  /** A converted version's list query in the stored version's field names. */
  private storageQuery(type: ResourceType, query: ListQuery): ListQuery {
    const conversion = type.conversion;
    if (!conversion || !query.fieldSelector) return query;
    const fields = parseFieldSelector(query.fieldSelector, fieldSelectorsOf(type));
    const fieldSelector = fields
      .map((r) => `${conversion.fieldToStorage(r.field)}${r.op === 'eq' ? '=' : '!='}${r.value}`)
      .join(',');
    return { ...query, fieldSelector };
  }

  private async write(
    type: ResourceType,
    obj: KubeObject,
    old: KubeObject,
    expectedVersion: string | undefined,
    options: WriteOptions,
    ownership: Ownership = this.updateOwnership(type, options),
  ): Promise<KubeObject> {
    if (expectedVersion !== old.metadata.resourceVersion) {
      throw new StoreError(StoreErrorCode.Conflict, this.conflictMessage(type, old));
    }
    if (options.subresource === 'status') {
      if (!type.hasStatus) throw this.notFound(type, `${old.metadata.name}/status`);
      const next = prepareForUpdate(type, obj, old, 'status');
      ownership(old, next);
      options.checkChange?.(old, next);
      return this.persist(type, next, old, expectedVersion, options);
    }
    return this.allocating(type, obj, old, async () => {
      await admit(type, obj, old, this.admissionContext());
      const next = prepareForUpdate(type, obj, old);
      ownership(old, next);
      options.checkChange?.(old, next);
      return this.persist(type, next, old, expectedVersion, options);
    });
  }

  private async persist(
    type: ResourceType,
    obj: KubeObject,
    old: KubeObject,
    expectedVersion: string | undefined,
    options: WriteOptions,
  ): Promise<KubeObject> {
    obj.metadata.resourceVersion = old.metadata.resourceVersion;
    if (jsonEqual(obj, old)) return old;
    if (options.dryRun) return obj;
    if (readyToRemove(obj))
      return this.repository.delete(
        this.key(type, obj.metadata.namespace, obj.metadata.name ?? ''),
        expectedVersion,
      );
    return this.repository.update(obj, expectedVersion, this.outbox(obj, old));
  }

  /** Records an Update by the write's field manager: it owns what it changed. */
  private updateOwnership(type: ResourceType, options: WriteOptions): Ownership {
    const scope = { type, subresource: options.subresource };
    const manager = options.fieldManager ?? DEFAULT_FIELD_MANAGER;
    return (old, next) =>
      setManagedFields(next, managedFieldsAfterUpdate(scope, old, next, manager, timestamp(this.now())));
  }

  /** A shoot change the gardenlet must act on goes to the outbox with the write itself. */
  private outbox(next: KubeObject, old: KubeObject | undefined): OutboxEntry | undefined {
    const reason = reconcileReason(next, old);
    return reason ? outboxEntry(next, reason) : undefined;
  }

  /**
   * Shoots put on a seed, or given a node network there, are admitted one at a time per seed, so
   * that the seed's capacity and the node networks of its shoots are checked against every other
   * binding (not only those already committed).
   */
  private async allocating<T>(
    type: ResourceType,
    obj: KubeObject,
    old: KubeObject | undefined,
    fn: () => Promise<T>,
  ): Promise<T> {
    const seedName = type.kind === 'Shoot' ? (obj as unknown as Shoot).spec.seedName : undefined;
    const before = old as unknown as Shoot | undefined;
    const binds = seedName && (!before?.spec.seedName || !before.spec.networking?.nodes);
    return binds ? this.repository.withRowLock({ kind: 'Seed', name: seedName }, fn) : fn();
  }

  /** Re-runs a read-modify-write that lost a race, as long as the caller named no version. */
  private async retrying<T>(mayRetry: () => boolean, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        if (!isConflict(error) || !mayRetry() || attempt >= MAX_RETRIES) throw error;
        // A little jitter so that writers racing for one object stop colliding in lock-step.
        await sleep(Math.random() * backoffDelay(RETRY_BACKOFF, attempt + 1));
      }
    }
  }

  private applyPatch(type: ResourceType, patchType: PatchType, old: KubeObject, patch: unknown): unknown {
    if (patchType === 'json') return applyJsonPatch(old, patch);
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
      throw new ApiError(ApiErrorCode.BadRequest, `a ${patchType} merge patch must be a JSON object`);
    }
    return patchType === 'merge'
      ? applyMergePatch(old, patch)
      : applyStrategicMergePatch(old, patch, '', type.patchMergeKeys);
  }

  private decode(type: ResourceType, body: unknown, options?: DecodeOptions): KubeObject {
    const copy = structuredClone(body);
    const obj = decodeStrict(type.schema, copy, type.kind, type.group || undefined, options) as KubeObject;
    for (const warning of type.notActedOn?.(obj) ?? []) options?.warn?.(warning);
    return obj;
  }

  private placeInNamespace(type: ResourceType, obj: KubeObject, namespace: string | undefined): void {
    if (!type.namespaced) {
      if (obj.metadata.namespace)
        throw new ApiError(
          ApiErrorCode.BadRequest,
          `${type.kind} is cluster-scoped; metadata.namespace must be empty`,
        );
      delete obj.metadata.namespace;
      return;
    }
    if (obj.metadata.namespace && obj.metadata.namespace !== namespace) {
      throw new ApiError(
        ApiErrorCode.BadRequest,
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    obj.metadata.namespace = namespace;
  }

  private selection(type: ResourceType, namespace: string | undefined, query: ListQuery): Selection {
    return {
      namespace: type.namespaced ? namespace : undefined,
      labels: parseLabelSelector(query.labelSelector),
      fields: parseFieldSelector(query.fieldSelector, fieldSelectorsOf(type)),
    };
  }

  private key(type: ResourceType, namespace: string | undefined, name: string): ObjectKey {
    return { kind: type.kind, namespace: type.namespaced ? namespace : undefined, name };
  }

  private notFound(type: ResourceType, name: string): ApiError {
    const resource = type.group ? `${type.plural}.${type.group}` : type.plural;
    return new ApiError(ApiErrorCode.NotFound, `${resource} "${name}" not found`, {
      kind: type.plural,
      name,
      group: type.group,
    });
  }

  private alreadyExists(type: ResourceType, obj: KubeObject): ApiError {
    const resource = type.group ? `${type.plural}.${type.group}` : type.plural;
    const name = obj.metadata.name ?? '';
    return new ApiError(ApiErrorCode.AlreadyExists, `${resource} "${name}" already exists`, {
      kind: type.plural,
      name,
      group: type.group,
    });
  }

  private conflictMessage(type: ResourceType, old: KubeObject): string {
    const resource = type.group ? `${type.plural}.${type.group}` : type.plural;
    return `Operation cannot be fulfilled on ${resource} "${old.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`;
  }
}

/**
 * An apply body as kube-apiserver takes it: an object of the kind and version of the URL, naming
 * the object of the URL, without managedFields (400 otherwise).
 */
function applyConfiguration(type: ResourceType, body: unknown, name: string): KubeObject {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ApiError(ApiErrorCode.BadRequest, 'an apply patch must be an object (YAML or JSON)');
  const config = body as Partial<KubeObject>;
  if (config.apiVersion !== type.apiVersion || config.kind !== type.kind)
    throw new ApiError(
      ApiErrorCode.BadRequest,
      `the apply patch must be apiVersion ${type.apiVersion} and kind ${type.kind}, got apiVersion ${String(config.apiVersion)} and kind ${String(config.kind)}`,
    );
  const metadata = config.metadata;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))
    throw new ApiError(ApiErrorCode.BadRequest, 'the apply patch needs metadata.name');
  if (metadata.managedFields !== undefined && metadata.managedFields !== null)
    throw new ApiError(ApiErrorCode.BadRequest, 'metadata.managedFields must be nil');
  if (metadata.name !== name)
    throw new ApiError(
      ApiErrorCode.BadRequest,
      `the name of the object (${String(metadata.name)}) does not match the name on the URL (${name})`,
    );
  return config as KubeObject;
}
