/** A kind of the shoots' APIs that the garden indexes, and where it lives in a shoot's API. */
export interface IndexedResource {
  readonly kind: string;
  /** '' for the core group */
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly singular: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
}

/**
 * The kinds kept in the index (issue 21: at least these). Secrets are never indexed: project
 * viewers read search results, and viewers may not read secrets.
 */
export const INDEXED_RESOURCES: readonly IndexedResource[] = [
  {
    kind: 'Namespace',
    group: '',
    version: 'v1',
    plural: 'namespaces',
    singular: 'namespace',
    namespaced: false,
    shortNames: ['ns'],
  },
  {
    kind: 'Node',
    group: '',
    version: 'v1',
    plural: 'nodes',
    singular: 'node',
    namespaced: false,
    shortNames: ['no'],
  },
  {
    kind: 'Pod',
    group: '',
    version: 'v1',
    plural: 'pods',
    singular: 'pod',
    namespaced: true,
    shortNames: ['po'],
  },
  {
    kind: 'Service',
    group: '',
    version: 'v1',
    plural: 'services',
    singular: 'service',
    namespaced: true,
    shortNames: ['svc'],
  },
  {
    kind: 'Event',
    group: '',
    version: 'v1',
    plural: 'events',
    singular: 'event',
    namespaced: true,
    shortNames: ['ev'],
  },
  {
    kind: 'Deployment',
    group: 'apps',
    version: 'v1',
    plural: 'deployments',
    singular: 'deployment',
    namespaced: true,
    shortNames: ['deploy'],
  },
];

export function indexedByKind(kind: string): IndexedResource | undefined {
  return INDEXED_RESOURCES.find((r) => r.kind === kind);
}

export function indexedByPath(group: string, version: string, plural: string): IndexedResource | undefined {
  return INDEXED_RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

/** apiVersion as objects carry it: `v1`, `apps/v1`. */
export function apiVersionOf(resource: IndexedResource): string {
  return resource.group ? `${resource.group}/${resource.version}` : resource.version;
}

/** The collection path in a shoot's API (and in the search view under its prefix). */
export function collectionPath(resource: IndexedResource): string {
  const root = resource.group ? `/apis/${resource.group}/${resource.version}` : `/api/${resource.version}`;
  return `${root}/${resource.plural}`;
}

/** A resource as kubectl names it: plural, singular, short name or kind (any case), optionally `.group`. */
export function indexedByName(name: string): IndexedResource | undefined {
  const [word = '', ...group] = name.toLowerCase().split('.');
  const wanted = group.join('.');
  return INDEXED_RESOURCES.find(
    (r) =>
      (!wanted || r.group === wanted) &&
      [r.plural, r.singular, r.kind.toLowerCase(), ...r.shortNames].includes(word),
  );
}

/** The annotation naming the shoot of every search result. */
export const SHOOT_ANNOTATION = 'search.gardener.cloud/shoot';
/** "true" when the shoot is hibernated: the object is its last known state, not a live one */
export const HIBERNATED_ANNOTATION = 'search.gardener.cloud/hibernated';
export const PROJECT_NAMESPACE_ANNOTATION = 'search.gardener.cloud/project-namespace';
/** when the index last wrote the object (hibernated shoots only) */
export const SYNCED_AT_ANNOTATION = 'search.gardener.cloud/last-synced';
