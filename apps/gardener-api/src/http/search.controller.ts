import {
  ApiError,
  ApiErrorCode,
  CORE_GROUP,
  parseFieldSelector,
  parseLabelSelector,
  resourceByKind,
  type Shoot,
  tableVersionAccepted,
} from '@gardener-ts/api';
import { AuthError, AuthErrorCode } from '@gardener-ts/auth';
import {
  coreVersions,
  groupList,
  type IndexedResource,
  indexedByPath,
  listJson,
  parseIndexBatch,
  resourcesOf,
  resultObject,
  SearchError,
  SearchErrorCode,
  SearchIndex,
  type SearchQuery,
  type SearchShoot,
  tableOf,
} from '@gardener-ts/search';
import { ResourceService } from '@gardener-ts/store';
import { Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SEARCH_INDEX } from '../tokens.js';
import { REQUEST_AUTHORIZER, type RequestAuthorizer } from './authorizer.js';

/** Clusterpedia-like: a kubectl --server prefix per project namespace and shoot (`*`: every shoot). */
const BASE = 'apis/search.gardener.cloud/v1alpha1/namespaces/:projectNamespace/shoots/:shoot';
const LIST_PATHS = [
  `${BASE}/api/:version/:plural`,
  `${BASE}/api/:version/namespaces/:namespace/:plural`,
  `${BASE}/apis/:group/:version/:plural`,
  `${BASE}/apis/:group/:version/namespaces/:namespace/:plural`,
];
const ITEM_PATHS = [
  `${BASE}/api/:version/:plural/:name`,
  `${BASE}/api/:version/namespaces/:namespace/:plural/:name`,
  `${BASE}/apis/:group/:version/:plural/:name`,
  `${BASE}/apis/:group/:version/namespaces/:namespace/:plural/:name`,
];
const FIELDS = ['metadata.name', 'metadata.namespace'];
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const ALL_SHOOTS = '*';

interface Params {
  projectNamespace?: string;
  shoot?: string;
  group?: string;
  version?: string;
  namespace?: string;
  plural?: string;
  name?: string;
}
type Query = Record<string, string | undefined>;

const SHOOT_TYPE = resourceByKind('Shoot');

function badRequest(message: string): SearchError {
  return new SearchError(SearchErrorCode.BadRequest, message);
}

function resourceOf(params: Params, item: boolean): IndexedResource {
  const resource = indexedByPath(params.group ?? '', params.version ?? '', params.plural ?? '');
  const scoped = params.namespace !== undefined;
  if (!resource || (scoped && !resource.namespaced) || (item && resource.namespaced && !scoped))
    throw new SearchError(SearchErrorCode.NotFound, 'the server could not find the requested resource');
  if (scoped && !DNS_LABEL.test(params.namespace ?? ''))
    throw badRequest(`invalid namespace "${params.namespace}"`);
  return resource;
}

function limitOf(query: Query): number | undefined {
  if (query.limit === undefined || query.limit === '') return undefined;
  if (!/^\d{1,9}$/.test(query.limit))
    throw badRequest(`limit must be a non-negative integer, got "${query.limit}"`);
  return Number(query.limit);
}

function includeOf(query: Query): 'None' | 'Metadata' | 'Object' | undefined {
  const value = query.includeObject;
  return value === 'None' || value === 'Metadata' || value === 'Object' ? value : undefined;
}

/**
 * Search across shoots (libs/search): reads for users with a role in the project, writes of a
 * shoot's index for the shoot's own seed. Who may see what is decided here, in `visibleShoots`.
 */
@Controller()
export class SearchController {
  constructor(
    @Inject(ResourceService) private readonly resources: ResourceService,
    @Inject(REQUEST_AUTHORIZER) private readonly authorizer: RequestAuthorizer,
    @Inject(SEARCH_INDEX) private readonly index: SearchIndex,
  ) {}

  @Get(`${BASE}/api`)
  async api(@Req() request: FastifyRequest): Promise<unknown> {
    await this.visibleShoots(request);
    return coreVersions();
  }

  @Get(`${BASE}/apis`)
  async apis(@Req() request: FastifyRequest): Promise<unknown> {
    await this.visibleShoots(request);
    return groupList();
  }

  @Get([`${BASE}/api/:version`, `${BASE}/apis/:group/:version`])
  async resourceList(@Req() request: FastifyRequest): Promise<unknown> {
    await this.visibleShoots(request);
    const params = request.params as Params;
    const list = resourcesOf(params.group ?? '', params.version ?? '');
    if (!list)
      throw new SearchError(SearchErrorCode.NotFound, 'the server could not find the requested resource');
    return list;
  }

  @Get(LIST_PATHS)
  async list(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    const params = request.params as Params;
    const query = request.query as Query;
    const resource = resourceOf(params, false);
    if (query.watch === 'true' || query.watch === '1')
      throw new SearchError(
        SearchErrorCode.MethodNotSupported,
        'search results cannot be watched; list them',
      );
    const searchQuery: SearchQuery = {
      resource,
      shoots: await this.visibleShoots(request),
      namespace: params.namespace,
      labels: parseLabelSelector(query.labelSelector),
      fields: parseFieldSelector(query.fieldSelector, FIELDS),
      limit: limitOf(query),
      continue: query.continue,
    };
    const tableVersion = tableVersionAccepted(request.headers.accept);
    if (!tableVersion) {
      void reply.type('application/json');
      return listJson(resource, await this.index.queryJson(searchQuery));
    }
    const include = includeOf(query);
    const page = await this.index.query(searchQuery);
    return tableOf(resource, page, { apiVersion: tableVersion, ...(include ? { include } : {}) });
  }

  @Get(ITEM_PATHS)
  async get(@Req() request: FastifyRequest): Promise<unknown> {
    const params = request.params as Params;
    const resource = resourceOf(params, true);
    const shoots = await this.visibleShoots(request);
    const name = params.name ?? '';
    const page = await this.index.query({
      resource,
      shoots,
      namespace: params.namespace,
      fields: [{ field: 'metadata.name', op: 'eq', value: name }],
      limit: 2,
    });
    const [row, other] = page.rows;
    if (!row) throw new SearchError(SearchErrorCode.NotFound, `${resource.plural} "${name}" not found`);
    if (other)
      throw new SearchError(
        SearchErrorCode.Ambiguous,
        `${resource.plural} "${name}" is in more than one shoot (${row.shoot.name}, ${other.shoot.name}, …): name the shoot in the path`,
      );
    const tableVersion = tableVersionAccepted(request.headers.accept);
    if (!tableVersion) return resultObject(row);
    const include = includeOf(request.query as Query);
    return tableOf(resource, page, { apiVersion: tableVersion, ...(include ? { include } : {}) });
  }

  /**
   * A shoot's syncer writes its index. Allowed to whoever may write the shoot's status — the
   * gardenlet of the shoot's seed, a garden admin — the same rule as the status it reports.
   */
  @Post(`${BASE}/index`)
  @HttpCode(200)
  async write(@Req() request: FastifyRequest): Promise<unknown> {
    const { projectNamespace = '', shoot = '' } = request.params as Params;
    if (!DNS_LABEL.test(projectNamespace) || !DNS_LABEL.test(shoot))
      throw badRequest(
        'an index is written for one shoot: namespaces/<project namespace>/shoots/<name>/index',
      );
    await this.authorizer.authorize(request, {
      verb: 'update',
      group: CORE_GROUP,
      version: 'v1beta1',
      resource: 'shoots',
      subresource: 'status',
      namespace: projectNamespace,
      name: shoot,
    });
    const batch = parseIndexBatch(request.body);
    const stored = await this.shootType().then((type) => this.resources.get(type, projectNamespace, shoot));
    await this.index.apply(
      { uid: stored.metadata.uid ?? '', namespace: projectNamespace, name: shoot },
      batch,
    );
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 };
  }

  /**
   * The shoots whose index a request may read: those of the path's project namespace (one by
   * name, or `*`), for a user with any role in that project (viewers included), as listing its
   * shoots needs. Seeds read no search results: the index is for users.
   */
  private async visibleShoots(request: FastifyRequest): Promise<SearchShoot[]> {
    const { projectNamespace = '', shoot = '' } = request.params as Params;
    if (!DNS_LABEL.test(projectNamespace))
      throw badRequest(`invalid project namespace "${projectNamespace}"`);
    if (shoot !== ALL_SHOOTS && !DNS_LABEL.test(shoot))
      throw badRequest(`invalid shoot "${shoot}": a shoot name, or * for every shoot of the project`);
    const identity = await this.authorizer.authorize(request, {
      verb: shoot === ALL_SHOOTS ? 'list' : 'get',
      group: CORE_GROUP,
      version: 'v1beta1',
      resource: 'shoots',
      namespace: projectNamespace,
      ...(shoot === ALL_SHOOTS ? {} : { name: shoot }),
    });
    if (identity.kind === 'Seed')
      throw new AuthError(
        AuthErrorCode.Forbidden,
        'search results are for users; a seed reads its shoots directly',
      );
    const type = await this.shootType();
    const shoots =
      shoot === ALL_SHOOTS
        ? ((await this.resources.list(type, projectNamespace, {})).items as unknown as Shoot[])
        : [(await this.resources.get(type, projectNamespace, shoot)) as unknown as Shoot];
    return shoots.map((s) => ({
      uid: s.metadata.uid ?? '',
      namespace: s.metadata.namespace ?? projectNamespace,
      name: s.metadata.name ?? '',
      hibernated: s.status?.hibernated === true,
    }));
  }

  private async shootType() {
    if (!SHOOT_TYPE) throw new ApiError(ApiErrorCode.Internal, 'the Shoot kind is not registered');
    return SHOOT_TYPE;
  }
}
