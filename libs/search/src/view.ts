import { humanDuration } from '@gardener-ts/api';
import type { JsonPage, SearchPage, SearchRow } from './index-store.js';
import {
  apiVersionOf,
  HIBERNATED_ANNOTATION,
  INDEXED_RESOURCES,
  type IndexedResource,
  PROJECT_NAMESPACE_ANNOTATION,
  SHOOT_ANNOTATION,
  SYNCED_AT_ANNOTATION,
} from './resources.js';

/** Annotations every search result carries: which shoot it came from, and how fresh it is. */

type Json = Record<string, unknown>;

/** The object as stored, with the search annotations (the stored body is never changed). */
export function resultObject(row: SearchRow): Json {
  const metadata = (row.object.metadata ?? {}) as Json;
  const annotations: Record<string, string> = {
    ...((metadata.annotations as Record<string, string> | undefined) ?? {}),
    [SHOOT_ANNOTATION]: row.shoot.name,
    [PROJECT_NAMESPACE_ANNOTATION]: row.shoot.namespace,
  };
  if (row.shoot.hibernated) {
    annotations[HIBERNATED_ANNOTATION] = 'true';
    annotations[SYNCED_AT_ANNOTATION] = row.syncedAt.toISOString().replace(/\.\d+Z$/, 'Z');
  }
  return { ...row.object, metadata: { ...metadata, annotations } };
}

/** A list answer from items already in JSON (SearchIndex.queryJson): joined, not re-serialised. */
export function listJson(resource: IndexedResource, page: JsonPage): string {
  const metadata = page.continue ? { continue: page.continue } : {};
  const head = JSON.stringify({ kind: `${resource.kind}List`, apiVersion: apiVersionOf(resource), metadata });
  return `${head.slice(0, -1)},"items":[${page.items.join(',')}]}`;
}

export function listOf(resource: IndexedResource, page: SearchPage): Json {
  return {
    kind: `${resource.kind}List`,
    apiVersion: apiVersionOf(resource),
    metadata: page.continue ? { continue: page.continue } : {},
    items: page.rows.map(resultObject),
  };
}

// ---- discovery under the search prefix, so kubectl finds the indexed kinds there ----

function resourceList(groupVersion: string): Json {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion,
    resources: INDEXED_RESOURCES.filter((r) => apiVersionOf(r) === groupVersion).map((r) => ({
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: ['get', 'list'],
      shortNames: r.shortNames,
    })),
  };
}

export function coreVersions(): Json {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] };
}

export function groupList(): Json {
  const groups = [...new Set(INDEXED_RESOURCES.filter((r) => r.group).map((r) => apiVersionOf(r)))];
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groups.map((groupVersion) => {
      const [name = '', version = ''] = groupVersion.split('/');
      return { name, versions: [{ groupVersion, version }], preferredVersion: { groupVersion, version } };
    }),
  };
}

/** The resource list of a group version the index holds, or undefined (a 404). */
export function resourcesOf(group: string, version: string): Json | undefined {
  const groupVersion = group ? `${group}/${version}` : version;
  return INDEXED_RESOURCES.some((r) => apiVersionOf(r) === groupVersion)
    ? resourceList(groupVersion)
    : undefined;
}

// ---- meta.k8s.io Table, as kubectl get asks for it ----

type Cell = (object: Json, now: Date) => unknown;

const at = (object: unknown, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>((v, key) => (v && typeof v === 'object' ? (v as Json)[key] : undefined), object);
const text =
  (path: string, fallback = '<none>'): Cell =>
  (o) => {
    const value = at(o, path);
    return value === undefined || value === null || value === '' ? fallback : String(value);
  };
const age: Cell = (o, now) => {
  const created = Date.parse(String(at(o, 'metadata.creationTimestamp') ?? ''));
  return Number.isNaN(created) ? '<unknown>' : humanDuration(now.getTime() - created);
};
const statuses = (o: Json) => (at(o, 'status.containerStatuses') as Array<Json> | undefined) ?? [];
const podReady: Cell = (o) => {
  const total = ((at(o, 'spec.containers') as unknown[] | undefined) ?? []).length;
  return `${statuses(o).filter((s) => s.ready === true).length}/${total}`;
};
const podRestarts: Cell = (o) => statuses(o).reduce((sum, s) => sum + Number(s.restartCount ?? 0), 0);
const podStatus: Cell = (o) => String(at(o, 'status.reason') ?? at(o, 'status.phase') ?? 'Unknown');
const ports: Cell = (o) => {
  const list = (at(o, 'spec.ports') as Array<Json> | undefined) ?? [];
  return list.length === 0 ? '<none>' : list.map((p) => `${p.port}/${p.protocol ?? 'TCP'}`).join(',');
};
const nodeStatus: Cell = (o) => {
  const conditions = (at(o, 'status.conditions') as Array<Json> | undefined) ?? [];
  const ready = conditions.find((c) => c.type === 'Ready');
  return ready?.status === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown';
};
const deploymentReady: Cell = (o) => `${at(o, 'status.readyReplicas') ?? 0}/${at(o, 'spec.replicas') ?? 0}`;
const involved: Cell = (o) =>
  `${String(at(o, 'involvedObject.kind') ?? '').toLowerCase()}/${at(o, 'involvedObject.name') ?? ''}`;

interface Column {
  readonly name: string;
  readonly cell: Cell;
  readonly type?: 'string' | 'integer';
}

const NAME: Column = { name: 'Name', cell: text('metadata.name') };
const AGE: Column = { name: 'Age', cell: age };

const COLUMNS: Readonly<Record<string, readonly Column[]>> = {
  Pod: [
    NAME,
    { name: 'Ready', cell: podReady },
    { name: 'Status', cell: podStatus },
    { name: 'Restarts', cell: podRestarts, type: 'integer' },
    AGE,
  ],
  Deployment: [
    NAME,
    { name: 'Ready', cell: deploymentReady },
    { name: 'Up-to-date', cell: text('status.updatedReplicas', '0') },
    { name: 'Available', cell: text('status.availableReplicas', '0') },
    AGE,
  ],
  Service: [
    NAME,
    { name: 'Type', cell: text('spec.type') },
    { name: 'Cluster-IP', cell: text('spec.clusterIP') },
    { name: 'Port(s)', cell: ports },
    AGE,
  ],
  Node: [
    NAME,
    { name: 'Status', cell: nodeStatus },
    AGE,
    { name: 'Version', cell: text('status.nodeInfo.kubeletVersion', '') },
  ],
  Namespace: [NAME, { name: 'Status', cell: text('status.phase', 'Active') }, AGE],
  Event: [
    { name: 'Last Seen', cell: text('lastTimestamp', '<unknown>') },
    { name: 'Type', cell: text('type') },
    { name: 'Reason', cell: text('reason') },
    { name: 'Object', cell: involved },
    { name: 'Message', cell: text('message', '') },
  ],
};

const shootCell = (row: SearchRow) =>
  row.shoot.hibernated ? `${row.shoot.name} (hibernated)` : row.shoot.name;

/** kubectl's Table: the kind's usual columns and SHOOT; rows carry the object's metadata (or all of it). */
export function tableOf(
  resource: IndexedResource,
  page: SearchPage,
  options: { apiVersion: string; include?: 'None' | 'Metadata' | 'Object'; now?: Date },
): Json {
  const columns = COLUMNS[resource.kind] ?? [NAME, AGE];
  const now = options.now ?? new Date();
  const include = options.include ?? 'Metadata';
  return {
    kind: 'Table',
    apiVersion: options.apiVersion,
    metadata: page.continue ? { continue: page.continue } : {},
    columnDefinitions: [...columns, { name: 'Shoot' }].map((c, i) => ({
      name: c.name,
      type: (c as Column).type ?? 'string',
      format: i === 0 && c.name === 'Name' ? 'name' : '',
      description: c.name === 'Shoot' ? 'the shoot the object is in' : c.name,
      priority: 0,
    })),
    rows: page.rows.map((row) => {
      const object = resultObject(row);
      return {
        cells: [...columns.map((c) => c.cell(object, now)), shootCell(row)],
        ...(include === 'None'
          ? {}
          : include === 'Object'
            ? { object }
            : {
                object: {
                  kind: 'PartialObjectMetadata',
                  apiVersion: 'meta.k8s.io/v1',
                  metadata: object.metadata,
                },
              }),
      };
    }),
  };
}
