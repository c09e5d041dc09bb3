import { CORE_GROUP, RESOURCE_TYPES } from '@gardener-ts/api';
import { AUTH_GROUP, AUTH_VERSION, SERVICE_ACCOUNT_TOKENS, USER_TOKENS } from './authorize.js';
import type { Verb } from './identity.js';
import { REVIEW_RESOURCES, REVIEW_VERSION } from './review-kinds.js';
import { SEED_BOOTSTRAP_TOKENS } from './seed-tokens.js';

/**
 * What the garden serves, resource by resource and verb by verb: the ground the access reviews
 * stand on, so that `kubectl auth can-i` never says yes to something the garden does not do.
 */
export interface ServedResource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly namespaced: boolean;
  /** Verbs on the resource itself (empty: only its subresources are served). */
  readonly verbs: readonly Verb[];
  readonly subresources: Readonly<Record<string, readonly Verb[]>>;
}

export const ALL_VERBS: readonly Verb[] = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
const TOKEN_VERBS: readonly Verb[] = ['get', 'list', 'create', 'delete'];

function subresourcesOf(type: (typeof RESOURCE_TYPES)[number]): Record<string, readonly Verb[]> {
  const subresources: Record<string, readonly Verb[]> = {};
  if (type.hasStatus) subresources.status = ['get', 'update', 'patch'];
  if (type.kind === 'Shoot' && type.group === CORE_GROUP) {
    subresources.adminkubeconfig = ['create'];
    subresources.viewerkubeconfig = ['create'];
  }
  return subresources;
}

function served(fields: Omit<ServedResource, 'subresources'> & Partial<ServedResource>): ServedResource {
  return { subresources: {}, ...fields };
}

let catalog: readonly ServedResource[] | undefined;

/** Every resource the garden serves (the resource model, namespaces, tokens, the reviews). */
export function servedResources(): readonly ServedResource[] {
  catalog ??= [
    ...RESOURCE_TYPES.map((t) =>
      served({ ...t, resource: t.plural, verbs: ALL_VERBS, subresources: subresourcesOf(t) }),
    ),
    served({ group: '', version: 'v1', resource: 'namespaces', namespaced: false, verbs: ['get', 'list'] }),
    ...[
      { resource: USER_TOKENS, namespaced: false, verbs: TOKEN_VERBS },
      { resource: SERVICE_ACCOUNT_TOKENS, namespaced: true, verbs: TOKEN_VERBS },
      { resource: SEED_BOOTSTRAP_TOKENS, namespaced: false, verbs: ['create'] as const },
      { resource: 'admintoken', namespaced: false, verbs: [], subresources: { rotate: ['create'] as const } },
    ].map((t) => served({ group: AUTH_GROUP, version: AUTH_VERSION, ...t })),
    ...REVIEW_RESOURCES.map((r) =>
      served({ ...r, version: REVIEW_VERSION, namespaced: false, verbs: ['create'] }),
    ),
  ];
  return catalog;
}

/** Non-resource URLs every authenticated caller may GET (discovery, OpenAPI, health, metrics). */
export const NON_RESOURCE_URLS: readonly string[] = [
  '/api',
  '/api/*',
  '/apis',
  '/apis/*',
  '/openapi/*',
  '/version',
  '/healthz',
  '/livez',
  '/readyz',
  '/metrics',
  '/api-docs',
];

export function nonResourceServed(path: string, verb: string): boolean {
  if (verb !== 'get') return false;
  return NON_RESOURCE_URLS.some((url) =>
    url.endsWith('/*') ? path.startsWith(url.slice(0, -1)) || path === url.slice(0, -2) : path === url,
  );
}
