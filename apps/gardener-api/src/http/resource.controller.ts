import {
  ApiError,
  ApiErrorCode,
  decodeStrict,
  type IncludeObject,
  involvedObjectOf,
  type KubeObject,
  type Project,
  parseFieldValidation,
  resourceByKind,
  tableVersionAccepted,
  toTable,
} from '@gardener-ts/api';
import {
  AuthError,
  AuthErrorCode,
  canSeeProject,
  changeDecision,
  claimProject,
  type Identity,
  isGardenAdmin,
  isSeedEventSubject,
  type SeedScope,
  seedEventDecision,
  seedOwns,
} from '@gardener-ts/auth';
import {
  type ApplyOptions,
  type PatchType,
  ResourceService,
  type WatchEvent,
  type WatchHandle,
  type WriteOptions,
} from '@gardener-ts/store';
import {
  type BeforeApplicationShutdown,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Patch,
  Post,
  Put,
  Req,
  Res,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiConfig } from '../config.js';
import { ApiMetrics } from '../ops/metrics.js';
import { API_CONFIG } from '../tokens.js';
import { REQUEST_AUTHORIZER, type RequestAuthorizer, type Verb } from './authorizer.js';
import { APPLY_PATCH_TYPE, fieldManagerOf, patchOptionsErrors } from './field-manager.js';
import {
  COLLECTION_PATHS,
  ITEM_PATHS,
  type RouteParams,
  resolveTarget,
  STATUS_PATHS,
  type Target,
} from './routing.js';
import { toStatus } from './status.js';
import { TooManyWatches, WATCH_RETRY_AFTER_SECONDS, WatchLimits, type WatchSlot } from './watch-limits.js';
import { watchLine } from './watch-lines.js';
import { WatchStream } from './watch-stream.js';

type Query = Record<string, string | undefined>;

const PATCH_TYPES: Record<string, PatchType> = {
  'application/merge-patch+json': 'merge',
  'application/json-patch+json': 'json',
  'application/strategic-merge-patch+json': 'strategic',
};

function mediaType(request: FastifyRequest): string {
  return (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function dryRun(values: Array<string | undefined>): boolean {
  const given = values.filter((v): v is string => v !== undefined);
  for (const value of given) {
    if (value !== 'All')
      throw new ApiError(ApiErrorCode.BadRequest, `Unsupported value: "${value}": supported values: "All"`);
  }
  return given.length > 0;
}

function limitOf(query: Query): number | undefined {
  if (query.limit === undefined || query.limit === '') return undefined;
  if (!/^\d+$/.test(query.limit))
    throw new ApiError(ApiErrorCode.BadRequest, `limit must be a non-negative integer, got "${query.limit}"`);
  return Number(query.limit);
}

interface DeleteBody {
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
}

function deleteBody(body: unknown): DeleteBody {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body))
    throw new ApiError(ApiErrorCode.BadRequest, 'the request body must be DeleteOptions');
  const options = body as Record<string, unknown>;
  const preconditions = options.preconditions as DeleteBody['preconditions'];
  if (preconditions !== undefined && (typeof preconditions !== 'object' || preconditions === null)) {
    throw new ApiError(ApiErrorCode.BadRequest, 'preconditions must be an object');
  }
  const dry = options.dryRun;
  if (dry !== undefined && !(Array.isArray(dry) && dry.every((v) => typeof v === 'string'))) {
    throw new ApiError(ApiErrorCode.BadRequest, 'dryRun must be a list of strings');
  }
  return { ...(preconditions ? { preconditions } : {}), ...(dry ? { dryRun: dry as string[] } : {}) };
}

/** The Kubernetes verbs for every registered kind; logic lives in ResourceService (libs/store). */
@Controller()
export class ResourceController implements BeforeApplicationShutdown {
  private readonly streams = new Set<() => void>();
  private readonly identities = new WeakMap<FastifyRequest, Identity>();

  private readonly watchLimits: WatchLimits;

  constructor(
    @Inject(ResourceService) private readonly resources: ResourceService,
    @Inject(REQUEST_AUTHORIZER) private readonly authorizer: RequestAuthorizer,
    @Inject(API_CONFIG) config: ApiConfig,
    @Inject(ApiMetrics) metrics: ApiMetrics,
  ) {
    this.watchLimits = new WatchLimits(config.watchLimits, metrics.registry);
  }

  beforeApplicationShutdown(): void {
    for (const end of this.streams) end();
  }

  @Get('api/v1/namespaces')
  async listNamespaces(@Req() request: FastifyRequest): Promise<unknown> {
    await this.authorizer.authorize(request, {
      verb: 'list',
      group: '',
      version: 'v1',
      resource: 'namespaces',
    });
    const list = await this.resources.listNamespaces();
    return this.maybeTable(request, 'Namespace', list.items, list.metadata) ?? list;
  }

  @Get('api/v1/namespaces/:namespace')
  async getNamespace(@Req() request: FastifyRequest): Promise<unknown> {
    const name = (request.params as RouteParams).namespace ?? '';
    await this.authorizer.authorize(request, {
      verb: 'get',
      group: '',
      version: 'v1',
      resource: 'namespaces',
      name,
    });
    const namespace = await this.resources.getNamespace(name);
    return this.maybeTable(request, 'Namespace', [namespace]) ?? namespace;
  }

  /** `kubectl create namespace`: namespaces come with projects here, so the answer says how to get one. */
  @Post('api/v1/namespaces')
  async createNamespace(@Req() request: FastifyRequest): Promise<never> {
    await this.authorizer.authenticate(request);
    throw new ApiError(
      ApiErrorCode.MethodNotSupported,
      'namespaces are not created directly in the garden: each Project owns one (spec.namespace, by default garden-<project name>); create a Project instead',
    );
  }

  @Get(COLLECTION_PATHS)
  async list(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    const target = resolveTarget(request.params as RouteParams, false);
    const query = request.query as Query;
    const watching = query.watch === 'true' || query.watch === '1';
    const identity = await this.authorize(request, watching ? 'watch' : 'list', target);
    const listQuery = {
      labelSelector: query.labelSelector,
      fieldSelector: query.fieldSelector,
      limit: limitOf(query),
      continue: query.continue,
      resourceVersion: query.resourceVersion,
    };
    if (watching) return this.watch(request, reply, target, listQuery, query.timeoutSeconds, identity);
    const list = await this.resources.list(target.type, target.namespace, listQuery);
    if (target.type.kind === 'Project' && !isGardenAdmin(identity))
      list.items = list.items.filter((p) => canSeeProject(identity, p as unknown as Project));
    const seedScope = this.authorizer.seedScope(request);
    if (seedScope) list.items = list.items.filter((object) => seedOwns(seedScope, object));
    return this.maybeTable(request, target.type.kind, list.items, list.metadata) ?? list;
  }

  @Get(ITEM_PATHS)
  async get(@Req() request: FastifyRequest): Promise<unknown> {
    const target = await this.item(request, 'get');
    const obj = this.ownedBySeed(
      request,
      await this.resources.get(target.type, target.namespace, target.name ?? ''),
    );
    return (
      this.maybeTable(request, target.type.kind, [obj], {
        resourceVersion: obj.metadata.resourceVersion ?? '',
      }) ?? obj
    );
  }

  /** kubectl get asks for a Table (Accept: ...;as=Table;g=meta.k8s.io;v=v1); everyone else gets objects. */
  private maybeTable(
    request: FastifyRequest,
    kind: string,
    items: KubeObject[],
    metadata: { resourceVersion?: string; continue?: string } = {},
  ) {
    const apiVersion = tableVersionAccepted(request.headers.accept);
    if (!apiVersion) return undefined;
    const include = (request.query as Query).includeObject;
    const valid = include === 'None' || include === 'Metadata' || include === 'Object';
    return toTable(kind, items, {
      apiVersion,
      metadata,
      ...(valid ? { include: include as IncludeObject } : {}),
    });
  }

  @Get(STATUS_PATHS)
  async getStatus(@Req() request: FastifyRequest): Promise<KubeObject> {
    const target = await this.item(request, 'get', 'status');
    return this.ownedBySeed(
      request,
      await this.resources.get(target.type, target.namespace, target.name ?? ''),
    );
  }

  @Post(COLLECTION_PATHS)
  @HttpCode(201)
  async create(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<KubeObject> {
    const target = resolveTarget(request.params as RouteParams, false);
    if (target.type.namespaced && target.namespace === undefined) {
      throw new ApiError(
        ApiErrorCode.MethodNotSupported,
        `${target.type.plural} are created in a namespace: POST .../namespaces/{namespace}/${target.type.plural}`,
      );
    }
    const identity = await this.authorize(request, 'create', target);
    const body = this.body(request);
    await this.checkSeedEvent(request, target, body);
    if (target.type.kind === 'Project' && typeof body === 'object' && body !== null)
      claimProject(body as { spec?: Record<string, unknown> }, identity);
    return this.resources.create(
      target.type,
      target.namespace,
      body,
      this.writeOptions(request, reply, target),
    );
  }

  @Put(ITEM_PATHS)
  async update(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<KubeObject> {
    const target = await this.item(request, 'update');
    return this.resources.update(
      target.type,
      target.namespace,
      target.name ?? '',
      this.body(request),
      this.writeOptions(request, reply, target),
    );
  }

  @Put(STATUS_PATHS)
  async updateStatus(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<KubeObject> {
    const target = await this.item(request, 'update', 'status');
    return this.resources.update(target.type, target.namespace, target.name ?? '', this.body(request), {
      ...this.writeOptions(request, reply, target),
      subresource: 'status',
    });
  }

  @Patch(ITEM_PATHS)
  async patch(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<KubeObject> {
    if (this.isApply(request)) return this.apply(request, reply);
    const target = await this.item(request, 'patch');
    patchOptionsErrors(request.query as Query, false);
    return this.resources.patch(
      target.type,
      target.namespace,
      target.name ?? '',
      this.patchType(request),
      this.body(request),
      this.writeOptions(request, reply, target),
    );
  }

  @Patch(STATUS_PATHS)
  async patchStatus(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<KubeObject> {
    if (this.isApply(request)) return this.apply(request, reply, 'status');
    const target = await this.item(request, 'patch', 'status');
    patchOptionsErrors(request.query as Query, false);
    return this.resources.patch(
      target.type,
      target.namespace,
      target.name ?? '',
      this.patchType(request),
      this.body(request),
      { ...this.writeOptions(request, reply, target), subresource: 'status' },
    );
  }

  private isApply(request: FastifyRequest): boolean {
    return mediaType(request) === APPLY_PATCH_TYPE;
  }

  /**
   * Server-side apply; 201 when it created the object. It is authorized as a patch of the object
   * when that exists, else as a create (with the create route's checks), so that whoever may create
   * an object (a new Project, say) may create it by applying it.
   */
  private async apply(
    request: FastifyRequest,
    reply: FastifyReply,
    subresource?: 'status',
  ): Promise<KubeObject> {
    const target = resolveTarget(request.params as RouteParams, true);
    if (subresource === 'status' && !target.type.hasStatus)
      throw new ApiError(ApiErrorCode.NotFound, 'the server could not find the requested resource');
    await this.authorizer.authenticate(request);
    patchOptionsErrors(request.query as Query, true);
    const body = this.body(request);
    const exists = await this.resources.get(target.type, target.namespace, target.name ?? '').then(
      () => true,
      (error: unknown) => {
        if (error instanceof ApiError && error.code === ApiErrorCode.NotFound) return false;
        throw error;
      },
    );
    if (exists || subresource) await this.authorize(request, 'patch', target, subresource);
    else await this.admitApplyCreate(request, target, body);
    const options: ApplyOptions = {
      ...this.writeOptions(request, reply, target),
      fieldManager: (request.query as Query).fieldManager ?? '',
      force: (request.query as Query).force === 'true',
      mayCreate: !exists,
      ...(subresource ? { subresource } : {}),
    };
    const { object, created } = await this.resources.apply(
      target.type,
      target.namespace,
      target.name ?? '',
      body,
      options,
    );
    if (created) void reply.code(201);
    return object;
  }

  @Delete(ITEM_PATHS)
  async delete(@Req() request: FastifyRequest): Promise<KubeObject> {
    const target = await this.item(request, 'delete');
    const options = deleteBody(request.body);
    const query = request.query as Query;
    const preconditions = options.preconditions ?? (await this.seedDeletePreconditions(request, target));
    return this.resources.delete(target.type, target.namespace, target.name ?? '', {
      dryRun: dryRun([query.dryRun, ...(options.dryRun ?? [])]),
      ...(preconditions ? { preconditions } : {}),
    });
  }

  /** Verbs Kubernetes has but this server does not serve on these paths (e.g. deletecollection). */
  @Post(ITEM_PATHS)
  postObject(@Req() request: FastifyRequest): never {
    return this.notSupported(request, true);
  }

  @Put(COLLECTION_PATHS)
  putCollection(@Req() request: FastifyRequest): never {
    return this.notSupported(request, false);
  }

  @Patch(COLLECTION_PATHS)
  patchCollection(@Req() request: FastifyRequest): never {
    return this.notSupported(request, false);
  }

  @Delete(COLLECTION_PATHS)
  deleteCollection(@Req() request: FastifyRequest): never {
    return this.notSupported(request, false);
  }

  private notSupported(request: FastifyRequest, item: boolean): never {
    resolveTarget(request.params as RouteParams, item);
    throw new ApiError(
      ApiErrorCode.MethodNotSupported,
      `${request.method} is not supported on ${request.url.split('?')[0]}`,
    );
  }

  /**
   * An apply that creates is a create: the caller needs the create right, and the create route's
   * own checks run (a project's creator, a gardenlet's event about an object of its seed).
   */
  private async admitApplyCreate(request: FastifyRequest, target: Target, body: unknown): Promise<void> {
    const identity = await this.authorize(request, 'create', { ...target, name: undefined });
    await this.checkSeedEvent(request, target, body);
    if (target.type.kind === 'Project' && typeof body === 'object' && body !== null)
      claimProject(body as { spec?: Record<string, unknown> }, identity);
  }

  /** A gardenlet reads only what belongs to its seed (SeedAuthorizer): 403 otherwise. */
  private ownedBySeed(request: FastifyRequest, object: KubeObject): KubeObject {
    const scope = this.authorizer.seedScope(request);
    if (!scope || seedOwns(scope, object)) return object;
    throw new AuthError(
      AuthErrorCode.Forbidden,
      `${object.kind} "${object.metadata.name}" is forbidden: it does not belong to a shoot of seed "${scope.seedName}"`,
    );
  }

  /**
   * A gardenlet's new event must be about an object of its seed that exists (SeedAuthorizer): the
   * object is read here, as the event names it, before the event is stored.
   */
  private async checkSeedEvent(request: FastifyRequest, target: Target, body: unknown): Promise<void> {
    const scope = this.authorizer.seedScope(request);
    if (!scope || target.type.kind !== 'Event') return;
    const group = target.type.group || undefined;
    const decoded = decodeStrict(target.type.schema, structuredClone(body), 'Event', group) as KubeObject;
    const event = target.type.conversion?.toStorage(decoded) ?? decoded;
    event.metadata.namespace = target.namespace;
    const ref = involvedObjectOf(event);
    const type = isSeedEventSubject(ref.kind) ? resourceByKind(ref.kind ?? '') : undefined;
    const involved =
      type && ref.name && (ref.apiVersion === undefined || ref.apiVersion === type.apiVersion)
        ? await this.resources.get(type, target.namespace, ref.name).catch(() => undefined)
        : undefined;
    const decision = seedEventDecision(scope, event, involved);
    if (!decision.allowed)
      throw new AuthError(
        AuthErrorCode.Forbidden,
        `events is forbidden: User "${this.identities.get(request)?.name ?? ''}" cannot create this event: ${decision.reason}`,
      );
  }

  /**
   * A gardenlet deletes only what belongs to its seed: the object is read and checked first, and
   * deleted only if it is still that object (its uid).
   */
  private async seedDeletePreconditions(
    request: FastifyRequest,
    target: Target,
  ): Promise<{ uid: string } | undefined> {
    if (!this.authorizer.seedScope(request)) return undefined;
    const stored = await this.resources.get(target.type, target.namespace, target.name ?? '');
    return { uid: this.ownedBySeed(request, stored).metadata.uid ?? '' };
  }

  /**
   * A user's write, checked on the admitted object about to be stored: system finalizers and
   * references stay the system's, and a Project's members are the uam's, its owner the owner's;
   * a gardenlet's objects stay its seed's.
   */
  /**
   * A write's options from its request: dryRun, fieldValidation (its unknown-field warnings sent
   * as kube-apiserver's `Warning: 299` headers, which kubectl prints) and the caller's change check.
   */
  private writeOptions(request: FastifyRequest, reply: FastifyReply, target: Target): WriteOptions {
    const warnings = new Set<string>();
    const warn = (message: string) => {
      warnings.add(message);
      void reply.header(
        'warning',
        [...warnings].map((w) => `299 - ${JSON.stringify(w)}`),
      );
    };
    return {
      dryRun: this.dryRun(request),
      decode: { fieldValidation: parseFieldValidation((request.query as Query).fieldValidation), warn },
      fieldManager: fieldManagerOf(request.query as Query, request.headers['user-agent']),
      ...this.changeCheck(request, target),
    };
  }

  private changeCheck(request: FastifyRequest, target: Target): Pick<WriteOptions, 'checkChange'> {
    const identity = this.identities.get(request);
    if (!identity) return {};
    const { plural, group } = target.type;
    const seedScope = this.authorizer.seedScope(request);
    return {
      checkChange: (old, next) => {
        const decision = changeDecision(identity, old, next, seedScope);
        if (decision.allowed) return;
        const name = next.metadata.name ?? target.name ?? '';
        throw new AuthError(
          AuthErrorCode.Forbidden,
          `${group ? `${plural}.${group}` : plural} "${name}" is forbidden: User "${identity.name}" cannot ${old ? 'change' : 'create'} it this way: ${decision.reason}`,
        );
      },
    };
  }

  private async item(request: FastifyRequest, verb: Verb, subresource?: string): Promise<Target> {
    const target = resolveTarget(request.params as RouteParams, true);
    if (subresource === 'status' && !target.type.hasStatus) {
      throw new ApiError(ApiErrorCode.NotFound, 'the server could not find the requested resource');
    }
    await this.authorize(request, verb, target, subresource);
    return target;
  }

  private async authorize(
    request: FastifyRequest,
    verb: Verb,
    target: Target,
    subresource?: string,
  ): Promise<Identity> {
    const identity = await this.authorizer.authorize(request, {
      verb,
      group: target.type.group,
      version: target.type.version,
      resource: target.type.plural,
      ...(subresource ? { subresource } : {}),
      ...(target.namespace !== undefined ? { namespace: target.namespace } : {}),
      ...(target.name !== undefined ? { name: target.name } : {}),
    });
    this.identities.set(request, identity);
    return identity;
  }

  private body(request: FastifyRequest): unknown {
    if (request.body === undefined) throw new ApiError(ApiErrorCode.BadRequest, 'the request needs a body');
    return request.body;
  }

  private dryRun(request: FastifyRequest): boolean {
    return dryRun([(request.query as Query).dryRun]);
  }

  private patchType(request: FastifyRequest): PatchType {
    const type = mediaType(request);
    const patchType = Object.hasOwn(PATCH_TYPES, type) ? PATCH_TYPES[type] : undefined;
    if (!patchType) {
      throw new ApiError(
        ApiErrorCode.UnsupportedMediaType,
        `the body of the request was in an unknown format - accepted media types include: ${[...Object.keys(PATCH_TYPES), APPLY_PATCH_TYPE].join(', ')}`,
      );
    }
    return patchType;
  }

  /**
   * Streams watch events as JSON lines. The watch is opened (and may fail with 410 Expired) before
   * any byte is sent; events arriving meanwhile are queued and flushed once the stream is open.
   * Each watch takes a slot (429 beyond the caps), honours backpressure, and ends once its token
   * or its access is gone.
   */
  private async watch(
    request: FastifyRequest,
    reply: FastifyReply,
    target: Target,
    query: Parameters<ResourceService['watch']>[2],
    timeoutSeconds: string | undefined,
    identity: Identity,
  ): Promise<void> {
    const asTable = (object: KubeObject) => this.maybeTable(request, target.type.kind, [object]) ?? object;
    // a gardenlet's scope (the shoots on its seed) is read again at each access check of the watch
    const seed = { scope: this.authorizer.seedScope(request) };
    const visible = (object: KubeObject) =>
      (!seed.scope || seedOwns(seed.scope, object)) &&
      (target.type.kind !== 'Project' ||
        isGardenAdmin(identity) ||
        canSeeProject(identity, object as unknown as Project));
    const slot = this.watchSlot(reply, identity);
    const stream = new WatchStream(reply.raw, this.watchLimits.settings.maxLagEvents);
    stream.onEnd(() => slot.release());
    let handle: WatchHandle;
    try {
      handle = await this.resources.watch(
        target.type,
        target.namespace,
        query,
        (event: WatchEvent) => {
          if (visible(event.object)) stream.write(watchLine(event.type, asTable(event.object)));
        },
        (error) => {
          stream.write(`${JSON.stringify({ type: 'ERROR', object: toStatus(error) })}\n`);
          stream.end();
        },
      );
    } catch (error) {
      stream.end();
      throw error;
    }
    reply.hijack();
    stream.start(handle);
    this.endWhenAccessEnds(request, target, stream, (scope) => {
      seed.scope = scope ?? seed.scope;
    });
    if (timeoutSeconds && /^\d+$/.test(timeoutSeconds)) {
      const timeout = setTimeout(() => stream.end(), Number(timeoutSeconds) * 1000);
      stream.onEnd(() => clearTimeout(timeout));
    }
    const end = () => stream.end();
    this.streams.add(end);
    stream.onEnd(() => this.streams.delete(end));
    request.raw.on('close', end);
  }

  /** A slot among the open watches, or 429 TooManyRequests with Retry-After. */
  private watchSlot(reply: FastifyReply, identity: Identity): WatchSlot {
    try {
      return this.watchLimits.acquire(identity);
    } catch (error) {
      if (error instanceof TooManyWatches)
        void reply.header('retry-after', String(WATCH_RETRY_AFTER_SECONDS));
      throw error;
    }
  }

  /**
   * Asks every so often whether a new request with the watch's token could open it now; once the
   * token is revoked or expired, or the project role or the project is gone, the stream ends.
   */
  private endWhenAccessEnds(
    request: FastifyRequest,
    target: Target,
    stream: WatchStream,
    onSeedScope: (scope: SeedScope | undefined) => void,
  ): void {
    const authorization = request.headers.authorization ?? '';
    const unguard = this.watchLimits.guard({
      checkKey: `${authorization}\n${target.type.group}/${target.type.plural}\n${target.namespace ?? ''}`,
      stillAllowed: async () => {
        // a request object of its own, so that nothing cached for the watch's request (its identity) is reused
        const probe = Object.create(request) as FastifyRequest;
        try {
          await this.authorize(probe, 'watch', target);
          onSeedScope(this.authorizer.seedScope(probe));
          return true;
        } catch (error) {
          if (error instanceof AuthError) return false;
          throw error;
        }
      },
      buffered: () => stream.buffered,
      end: () => stream.end(),
    });
    stream.onEnd(unguard);
  }
}
