import type { KubeObject } from './meta.js';

/** meta.k8s.io Table columns; priority 1 columns show with `kubectl get -o wide` only. */
export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'date' | 'number' | 'boolean';
  format: string;
  description: string;
  priority: number;
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface Table {
  kind: 'Table';
  apiVersion: string;
  metadata: { resourceVersion?: string; continue?: string };
  columnDefinitions: TableColumn[];
  rows: Array<{ cells: unknown[]; object?: unknown }>;
}

type Cell = (obj: KubeObject, now: Date) => unknown;
interface Column {
  name: string;
  cell: Cell;
  type?: TableColumn['type'];
  wide?: boolean;
  description?: string;
}

/** Like Kubernetes' duration.HumanDuration, as `kubectl get` shows ages. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8)
    return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const years = Math.floor(hours / 24 / 365);
  if (years < 8) return `${years}y${Math.floor(hours / 24) % 365}d`;
  return `${years}y`;
}

const at = (obj: unknown, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>(
      (value, key) =>
        value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined,
      obj,
    );
const text =
  (path: string, fallback = '<none>'): Cell =>
  (obj) => {
    const value = at(obj, path);
    return value === undefined || value === null || value === '' ? fallback : String(value);
  };

const NAME: Column = {
  name: 'Name',
  cell: (o) => o.metadata.name ?? '',
  description: 'Name must be unique within a namespace.',
};
const AGE: Column = {
  name: 'Age',
  type: 'date',
  cell: (o, now) =>
    o.metadata.creationTimestamp
      ? humanDuration(now.getTime() - Date.parse(o.metadata.creationTimestamp))
      : '<unknown>',
  description: 'Time since the object was created.',
};

function hibernation(shoot: KubeObject): string {
  const enabled = at(shoot, 'spec.hibernation.enabled') === true;
  const hibernated = at(shoot, 'status.hibernated') === true;
  if (enabled) return hibernated ? 'Hibernated' : 'Hibernating';
  return hibernated ? 'Waking Up' : 'Awake';
}

function lastOperation(shoot: KubeObject): string {
  const op = at(shoot, 'status.lastOperation') as
    | { type?: string; state?: string; progress?: number }
    | undefined;
  if (!op) return '<pending>';
  return `${op.type} ${op.state} (${op.progress ?? 0}%)`;
}

/** The status of the object's condition of this type, or `<unknown>`. */
function conditionStatus(type: string): Cell {
  return (o) => {
    const conditions =
      (at(o, 'status.conditions') as Array<{ type?: string; status?: string }> | undefined) ?? [];
    return conditions.find((c) => c.type === type)?.status ?? '<unknown>';
  };
}

/** Columns per kind, after Gardener's table convertors; kinds without their own get Name and Age. */
const COLUMNS: Record<string, Column[]> = {
  // Gardener's shoot table convertor: its names, order and placeholders; priority 1 with -o wide
  Shoot: [
    NAME,
    {
      name: 'CloudProfile',
      cell: (o) => at(o, 'spec.cloudProfile.name') ?? at(o, 'spec.cloudProfileName') ?? '',
    },
    { name: 'Provider', cell: text('spec.provider.type') },
    { name: 'Region', cell: text('spec.region') },
    { name: 'Seed', cell: text('spec.seedName'), wide: true },
    { name: 'K8S Version', cell: text('spec.kubernetes.version') },
    { name: 'Hibernation', cell: hibernation },
    { name: 'Last Operation', cell: lastOperation },
    { name: 'Status', cell: (o) => o.metadata.labels?.['shoot.gardener.cloud/status'] ?? '<pending>' },
    { name: 'Purpose', cell: text('spec.purpose'), wide: true },
    { name: 'Gardener Version', cell: text('status.gardener.version', '<unknown>'), wide: true },
    { name: 'APIServer', cell: conditionStatus('APIServerAvailable'), wide: true },
    { name: 'Control', cell: conditionStatus('ControlPlaneHealthy'), wide: true },
    { name: 'Observability', cell: conditionStatus('ObservabilityComponentsHealthy'), wide: true },
    { name: 'Nodes', cell: conditionStatus('EveryNodeReady'), wide: true },
    { name: 'System', cell: conditionStatus('SystemComponentsHealthy'), wide: true },
    AGE,
  ],
  Seed: [
    NAME,
    {
      name: 'Status',
      cell: (o) =>
        o.metadata.deletionTimestamp
          ? 'Terminating'
          : text('status.lastOperation.state', 'Ready')(o, new Date()),
    },
    { name: 'Provider', cell: text('spec.provider.type') },
    { name: 'Region', cell: text('spec.provider.region') },
    AGE,
    { name: 'Backend', cell: text('spec.backend.type'), wide: true },
    { name: 'Capacity', cell: text('spec.capacity.shoots'), wide: true },
  ],
  Project: [
    NAME,
    { name: 'Namespace', cell: text('spec.namespace') },
    {
      name: 'Status',
      cell: (o) =>
        o.metadata.deletionTimestamp ? 'Terminating' : text('status.phase', 'Ready')(o, new Date()),
    },
    { name: 'Owner', cell: text('spec.owner.name') },
    { name: 'Creator', cell: text('spec.createdBy.name') },
    AGE,
  ],
  CloudProfile: [NAME, { name: 'Provider', cell: text('spec.type') }, AGE],
  Secret: [
    NAME,
    { name: 'Type', cell: text('type', 'Opaque') },
    {
      name: 'Data',
      type: 'integer',
      cell: (o) => Object.keys((at(o, 'data') as object | undefined) ?? {}).length,
    },
    AGE,
  ],
  ConfigMap: [
    NAME,
    {
      name: 'Data',
      type: 'integer',
      cell: (o) => Object.keys((at(o, 'data') as object | undefined) ?? {}).length,
    },
    AGE,
  ],
  // kubectl's columns for events: LAST SEEN, TYPE, REASON, OBJECT, MESSAGE
  Event: [
    { name: 'Last Seen', cell: lastSeen },
    { name: 'Type', cell: text('type', 'Normal') },
    { name: 'Reason', cell: text('reason', '') },
    {
      name: 'Object',
      cell: (o) => {
        const ref = either('involvedObject', 'regarding')(o) as { kind?: string; name?: string } | undefined;
        return `${(ref?.kind ?? '').toLowerCase()}/${ref?.name ?? ''}`;
      },
    },
    { name: 'Message', cell: (o) => String(either('message', 'note')(o) ?? '') },
    { ...NAME, wide: true },
  ],
  Namespace: [NAME, { name: 'Status', cell: text('status.phase', 'Active') }, AGE],
  MachineDeployment: [
    NAME,
    { name: 'Ready', type: 'integer', cell: count('status.readyReplicas') },
    { name: 'Desired', type: 'integer', cell: count('spec.replicas') },
    { name: 'Up-to-date', type: 'integer', cell: count('status.updatedReplicas') },
    { name: 'Available', type: 'integer', cell: count('status.availableReplicas') },
    AGE,
  ],
  MachineSet: [
    NAME,
    { name: 'Desired', type: 'integer', cell: count('spec.replicas') },
    { name: 'Current', type: 'integer', cell: count('status.replicas') },
    { name: 'Ready', type: 'integer', cell: count('status.readyReplicas') },
    AGE,
  ],
  Machine: [
    NAME,
    { name: 'Status', cell: text('status.currentStatus.phase', 'Pending') },
    AGE,
    { name: 'Node', cell: text('status.node'), wide: true },
    { name: 'Provider ID', cell: text('spec.providerID'), wide: true },
  ],
  Bastion: [
    NAME,
    { name: 'Shoot', cell: text('spec.shootRef.name') },
    { name: 'Seed', cell: text('spec.seedName') },
    {
      name: 'Ready',
      cell: (o) =>
        ((at(o, 'status.conditions') as { type: string; status: string }[] | undefined) ?? []).find(
          (c) => c.type === 'BastionReady',
        )?.status ?? 'Unknown',
    },
    { name: 'IP', cell: text('status.ingress.ip') },
    AGE,
    { name: 'Hostname', cell: text('status.ingress.hostname'), wide: true },
    { name: 'Expires', cell: text('status.expirationTimestamp'), wide: true },
  ],
};

/** An event's reference or text under either version's name (core/v1, events.k8s.io/v1). */
function either(core: string, events: string): (obj: KubeObject) => unknown {
  return (obj) => at(obj, core) ?? at(obj, events);
}

function lastSeen(obj: KubeObject, now: Date): string {
  const seen = either('lastTimestamp', 'deprecatedLastTimestamp')(obj) ?? at(obj, 'eventTime');
  const time = typeof seen === 'string' ? seen : obj.metadata.creationTimestamp;
  return time ? humanDuration(now.getTime() - Date.parse(time)) : '<unknown>';
}

function count(path: string): Cell {
  return (obj) => Number(at(obj, path) ?? 0);
}

function definitions(columns: Column[]): TableColumn[] {
  return columns.map((c) => ({
    name: c.name,
    type: c.type ?? 'string',
    format: c.cell === NAME.cell ? 'name' : '',
    description: c.description ?? '',
    priority: c.wide ? 1 : 0,
  }));
}

function rowObject(obj: KubeObject, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return obj;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

/** Objects as the `Table` kubectl asks for with `Accept: application/json;as=Table;g=meta.k8s.io;v=v1`. */
export function toTable(
  kind: string,
  objects: readonly KubeObject[],
  options: { apiVersion?: string; include?: IncludeObject; metadata?: Table['metadata']; now?: Date } = {},
): Table {
  const columns = COLUMNS[kind] ?? [NAME, AGE];
  const now = options.now ?? new Date();
  return {
    kind: 'Table',
    apiVersion: options.apiVersion ?? 'meta.k8s.io/v1',
    metadata: options.metadata ?? {},
    columnDefinitions: definitions(columns),
    rows: objects.map((obj) => {
      const object = rowObject(obj, options.include ?? 'Metadata');
      return { cells: columns.map((c) => c.cell(obj, now)), ...(object ? { object } : {}) };
    }),
  };
}

/** The Table version an Accept header asks for (v1 preferred), or undefined for plain objects. */
export function tableVersionAccepted(accept: string | undefined): string | undefined {
  if (!accept) return undefined;
  const ranges = accept.split(',').map((r) => r.split(';').map((p) => p.trim()));
  for (const params of ranges) {
    const values = Object.fromEntries(params.slice(1).map((p) => p.split('=') as [string, string]));
    if (values.as === 'Table' && values.g === 'meta.k8s.io' && (values.v === 'v1' || values.v === 'v1beta1'))
      return `meta.k8s.io/${values.v}`;
  }
  return undefined;
}
