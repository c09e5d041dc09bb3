import { createHash } from 'node:crypto';
import {
  ApiError,
  ApiErrorCode,
  openApiDocument,
  openApiGroupVersions,
  RESOURCE_TYPES,
  type ResourceType,
} from '@gardener-ts/api';
import { REVIEW_RESOURCES, REVIEW_VERSION } from '@gardener-ts/auth';
import {
  type CanActivate,
  Controller,
  type ExecutionContext,
  Get,
  Header,
  Inject,
  Injectable,
  Param,
  UseGuards,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { apiPage } from './api-page.js';
import { REQUEST_AUTHORIZER, type RequestAuthorizer } from './authorizer.js';
import { serverVersion } from './version.js';

const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

function groupVersions(): Map<string, ResourceType[]> {
  const byGroupVersion = new Map<string, ResourceType[]>();
  for (const type of RESOURCE_TYPES) {
    if (!type.group) continue;
    const key = `${type.group}/${type.version}`;
    byGroupVersion.set(key, [...(byGroupVersion.get(key) ?? []), type]);
  }
  return byGroupVersion;
}

/** The review kinds' group versions: `kubectl auth whoami` and `kubectl auth can-i` look for them. */
function reviewGroupVersions(): Map<string, APIResource[]> {
  const byGroupVersion = new Map<string, APIResource[]>();
  for (const review of REVIEW_RESOURCES) {
    const key = `${review.group}/${REVIEW_VERSION}`;
    const resource = {
      name: review.resource,
      singularName: '',
      namespaced: false,
      kind: review.kind,
      verbs: ['create'],
    };
    byGroupVersion.set(key, [...(byGroupVersion.get(key) ?? []), resource]);
  }
  return byGroupVersion;
}

interface APIResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  shortNames?: readonly string[];
}

function resourceList(groupVersion: string, types: ResourceType[]) {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion,
    resources: types.flatMap((t) => [
      {
        name: t.plural,
        singularName: t.singular,
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: VERBS,
        shortNames: t.shortNames,
      },
      ...(t.hasStatus
        ? [
            {
              name: `${t.plural}/status`,
              singularName: '',
              namespaced: t.namespaced,
              kind: t.kind,
              verbs: ['get', 'patch', 'update'],
            },
          ]
        : []),
    ]),
  };
}

let documents: Map<string, { text: string; hash: string }> | undefined;

/** Generated once per process from the zod schemas (they do not change while it runs). */
function openApiDocuments(): Map<string, { text: string; hash: string }> {
  documents ??= new Map(
    openApiGroupVersions().map((gv) => {
      const text = JSON.stringify(openApiDocument(gv));
      return [gv, { text, hash: createHash('sha512').update(text).digest('hex').slice(0, 32).toUpperCase() }];
    }),
  );
  return documents;
}

/** Discovery is for authenticated callers (as Kubernetes' system:discovery); any valid token will do. */
@Injectable()
export class AuthenticatedGuard implements CanActivate {
  constructor(@Inject(REQUEST_AUTHORIZER) private readonly authorizer: RequestAuthorizer) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await this.authorizer.authenticate(context.switchToHttp().getRequest<FastifyRequest>());
    return true;
  }
}

/** Discovery documents, so kubectl and client libraries find the kinds this server serves. */
@Controller()
@UseGuards(AuthenticatedGuard)
export class DiscoveryController {
  @Get('api')
  coreVersions() {
    return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] };
  }

  @Get('api/v1')
  coreResources() {
    const list = resourceList(
      'v1',
      RESOURCE_TYPES.filter((t) => t.group === ''),
    );
    // Namespaces are the projects' (read-only), see ResourceService.getNamespace.
    const namespaces = {
      name: 'namespaces',
      singularName: 'namespace',
      namespaced: false,
      kind: 'Namespace',
      verbs: ['get', 'list'],
      shortNames: ['ns'],
    };
    return { ...list, resources: [namespaces, ...list.resources] };
  }

  @Get('apis')
  groups() {
    const groups = new Map<string, string[]>();
    for (const key of [...groupVersions().keys(), ...reviewGroupVersions().keys()]) {
      const [group = '', version = ''] = key.split('/');
      groups.set(group, [...(groups.get(group) ?? []), version]);
    }
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [...groups].map(([name, versions]) => ({
        name,
        versions: versions.map((version) => ({ groupVersion: `${name}/${version}`, version })),
        preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
      })),
    };
  }

  @Get('apis/:group/:version')
  groupResources(@Param('group') group: string, @Param('version') version: string) {
    const reviews = reviewGroupVersions().get(`${group}/${version}`);
    if (reviews)
      return {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: `${group}/${version}`,
        resources: reviews,
      };
    const types = groupVersions().get(`${group}/${version}`);
    if (!types) throw new ApiError(ApiErrorCode.NotFound, 'the server could not find the requested resource');
    return resourceList(`${group}/${version}`, types);
  }

  /** The OpenAPI v3 index: one document per group version, addressed with a content hash for caching. */
  @Get('openapi/v3')
  openApiIndex() {
    return {
      paths: Object.fromEntries(
        [...openApiDocuments()].map(([gv, doc]) => [
          gv,
          { serverRelativeURL: `/openapi/v3/${gv}?hash=${doc.hash}` },
        ]),
      ),
    };
  }

  @Get(['openapi/v3/apis/:group/:version', 'openapi/v3/api/:version'])
  @Header('cache-control', 'no-cache')
  @Header('content-type', 'application/json')
  openApiGroupVersion(@Param('group') group: string | undefined, @Param('version') version: string) {
    const doc = openApiDocuments().get(group ? `apis/${group}/${version}` : `api/${version}`);
    if (!doc) throw new ApiError(ApiErrorCode.NotFound, 'the server could not find the requested resource');
    return doc.text;
  }

  /**
   * kubectl reads OpenAPI v2 as protobuf; an empty body is an empty (valid) Document, with no
   * schema for any kind, so kubectl skips client-side validation.
   */
  @Get('openapi/v2')
  @Header('content-type', 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf')
  openApiV2(): string {
    return '';
  }

  /** kubectl asks for CRDs when a kind has no OpenAPI schema; there are none here. */
  @Get('apis/apiextensions.k8s.io/v1/customresourcedefinitions')
  customResourceDefinitions() {
    return {
      kind: 'CustomResourceDefinitionList',
      apiVersion: 'apiextensions.k8s.io/v1',
      metadata: {},
      items: [],
    };
  }
}

/** What anyone may ask without a token (Kubernetes' system:public-info-viewer), plus the API page. */
@Controller()
export class PublicInfoController {
  /** The API's shape (no data) as HTML, generated from the OpenAPI documents. */
  @Get('api-docs')
  @Header('content-type', 'text/html; charset=utf-8')
  docs(): string {
    return apiPage();
  }

  @Get(['healthz', 'livez'])
  @Header('content-type', 'text/plain')
  health(): string {
    return 'ok';
  }

  private readonly serverVersion = serverVersion();

  @Get('version')
  version() {
    return this.serverVersion;
  }
}
