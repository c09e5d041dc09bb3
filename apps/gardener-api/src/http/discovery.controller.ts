import { ApiError, ApiErrorCode, RESOURCE_TYPES, type ResourceType } from '@gardener-ts/api';
import { Controller, Get, Header, Param } from '@nestjs/common';

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

/** Discovery documents, so kubectl and client libraries find the kinds this server serves. */
@Controller()
export class DiscoveryController {
  @Get(['healthz', 'livez', 'readyz'])
  @Header('content-type', 'text/plain')
  health(): string {
    return 'ok';
  }

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
    for (const key of groupVersions().keys()) {
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
    const types = groupVersions().get(`${group}/${version}`);
    if (!types) throw new ApiError(ApiErrorCode.NotFound, 'the server could not find the requested resource');
    return resourceList(`${group}/${version}`, types);
  }

  /**
   * An OpenAPI v3 index with no schemas: kubectl's client-side validation then finds no schema for
   * our kinds and leaves validation to the server (which is strict anyway).
   */
  @Get('openapi/v3')
  openApiIndex() {
    return { paths: {} };
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

  @Get('version')
  version() {
    return {
      major: '1',
      minor: '34',
      gitVersion: 'v1.34.0-gardener-ts',
      platform: `${process.platform}/${process.arch}`,
    };
  }
}
