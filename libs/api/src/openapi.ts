import { z } from 'zod';
import { RESOURCE_TYPES, type ResourceType } from './resources.js';

/** Query parameters kubectl looks for before it leaves validation to the server (fieldValidation) or dry-runs there. */
const WRITE_PARAMETERS = [
  {
    name: 'dryRun',
    in: 'query',
    schema: { type: 'string' },
    description: 'When present (All), the request is validated but nothing is stored',
  },
  {
    name: 'fieldValidation',
    in: 'query',
    schema: { type: 'string', enum: ['Strict', 'Warn', 'Ignore'] },
    description: 'Unknown or duplicate fields are always rejected (Strict) by this server',
  },
  { name: 'fieldManager', in: 'query', schema: { type: 'string' } },
];
const LIST_PARAMETERS = [
  'labelSelector',
  'fieldSelector',
  'limit',
  'continue',
  'resourceVersion',
  'watch',
  'timeoutSeconds',
].map((name) => ({
  name,
  in: 'query',
  schema: {
    type: name === 'limit' || name === 'timeoutSeconds' ? 'integer' : name === 'watch' ? 'boolean' : 'string',
  },
}));
const pathParameter = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });

const DESCRIPTIONS: Record<string, string> = {
  Shoot:
    'Shoot is a Kubernetes cluster created and managed by the garden: its control plane runs on a Seed, its worker machines in the cloud account of its credentials binding.',
  Seed: 'Seed hosts the control planes of shoots.',
  Project: 'Project groups shoots and their credentials in a namespace and grants members roles in it.',
  CloudProfile:
    'CloudProfile lists what a cloud offers: Kubernetes versions, machine types and images, regions and zones.',
  SecretBinding: 'SecretBinding references a Secret with cloud provider credentials.',
  CredentialsBinding: 'CredentialsBinding references credentials (a Secret) for a cloud provider.',
  Secret: 'Secret holds secret data, encrypted at rest.',
  ConfigMap: 'ConfigMap holds configuration data.',
  MachineClass: "MachineClass holds a cloud's settings for machines of one worker pool and zone.",
  MachineDeployment:
    'MachineDeployment keeps a number of machines of one worker pool and zone, rolling them on change.',
  MachineSet: 'MachineSet keeps a number of machines of one template.',
  Machine: 'Machine is one worker machine of a shoot; its Node has the same name.',
  Bastion:
    "Bastion is a short-lived SSH jump host into a shoot's node network: it accepts one public key from the ingress CIDRs only, and expires without keepalive.",
  Event:
    'Event is a report of something the garden did or saw (a reconcile started or failed, a scheduling decision, a machine made): written by the gardener only, kept an hour after its last change.',
  ProjectQuota:
    'ProjectQuota limits how many shoots and bastions the project of the same name may hold; keys it leaves out keep the garden-wide default. Garden admins write it.',
};

/** The component name, Kubernetes style (Gardener's Go package path for its kinds). */
export function schemaName(type: ResourceType): string {
  if (type.group === '') return `io.k8s.api.core.${type.version}.${type.kind}`;
  if (type.group.endsWith('.k8s.io'))
    return `io.k8s.api.${type.group.split('.')[0]}.${type.version}.${type.kind}`;
  const group = type.group.split('.')[0];
  return `com.github.gardener.gardener.pkg.apis.${group}.${type.version}.${type.kind}`;
}

function jsonSchema(type: ResourceType): Record<string, unknown> {
  const schema = z.toJSONSchema(type.schema, {
    target: 'openapi-3.0',
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  delete schema.$schema;
  schema.description = DESCRIPTIONS[type.kind] ?? type.kind;
  const properties = schema.properties as Record<string, Record<string, unknown>> | undefined;
  if (properties?.apiVersion)
    properties.apiVersion.description =
      'APIVersion defines the versioned schema of this representation of an object.';
  if (properties?.kind)
    properties.kind.description =
      'Kind is a string value representing the REST resource this object represents.';
  if (properties?.metadata) properties.metadata.description = "Standard object's metadata.";
  if (properties?.spec) properties.spec.description ??= `Specification of the ${type.kind}.`;
  if (properties?.status)
    properties.status.description ??= `Most recently observed status of the ${type.kind}.`;
  schema['x-kubernetes-group-version-kind'] = [{ group: type.group, version: type.version, kind: type.kind }];
  for (const [path, key] of Object.entries(type.patchMergeKeys ?? {})) {
    const property = path
      .split('.')
      .reduce<Record<string, unknown> | undefined>(
        (node, name) => (node?.properties as Record<string, Record<string, unknown>> | undefined)?.[name],
        schema,
      );
    if (!property) continue;
    property['x-kubernetes-patch-merge-key'] = key;
    property['x-kubernetes-patch-strategy'] = 'merge';
  }
  return schema;
}

function operations(type: ResourceType, prefix: string): Record<string, Record<string, unknown>> {
  const gvk = { group: type.group, version: type.version, kind: type.kind };
  const ref = { $ref: `#/components/schemas/${schemaName(type)}` };
  const ok = (code: string) => ({
    [code]: { description: 'OK', content: { 'application/json': { schema: ref } } },
  });
  const body = (types: string[]) => ({
    required: true,
    content: Object.fromEntries(types.map((t) => [t, { schema: ref }])),
  });
  const op = (action: string, extra: Record<string, unknown>) => ({
    operationId: `${action}${type.kind}`,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
    ...extra,
  });
  const namespaced = type.namespaced ? [pathParameter('namespace')] : [];
  const collection = type.namespaced
    ? `${prefix}/namespaces/{namespace}/${type.plural}`
    : `${prefix}/${type.plural}`;
  const patchTypes = [
    'application/merge-patch+json',
    'application/json-patch+json',
    ...(type.strategicMerge ? ['application/strategic-merge-patch+json'] : []),
    'application/apply-patch+yaml',
  ];
  const patchParameters = [
    ...WRITE_PARAMETERS,
    {
      name: 'force',
      in: 'query',
      schema: { type: 'boolean' },
      description:
        'Server-side apply only: take the fields other managers own instead of failing with a conflict',
    },
  ];
  const paths: Record<string, Record<string, unknown>> = {
    [collection]: {
      parameters: namespaced,
      get: op('list', { parameters: LIST_PARAMETERS, responses: ok('200') }),
      post: op('post', {
        parameters: WRITE_PARAMETERS,
        requestBody: body(['application/json', 'application/yaml']),
        responses: ok('201'),
      }),
    },
    [`${collection}/{name}`]: {
      parameters: [...namespaced, pathParameter('name')],
      get: op('get', { responses: ok('200') }),
      put: op('put', {
        parameters: WRITE_PARAMETERS,
        requestBody: body(['application/json', 'application/yaml']),
        responses: ok('200'),
      }),
      patch: op('patch', {
        parameters: patchParameters,
        requestBody: body(patchTypes),
        responses: ok('200'),
      }),
      delete: op('delete', { parameters: WRITE_PARAMETERS.slice(0, 1), responses: ok('200') }),
    },
  };
  if (type.hasStatus) {
    paths[`${collection}/{name}/status`] = {
      parameters: [...namespaced, pathParameter('name')],
      get: op('get', { responses: ok('200') }),
      put: op('put', {
        parameters: WRITE_PARAMETERS,
        requestBody: body(['application/json']),
        responses: ok('200'),
      }),
      patch: op('patch', {
        parameters: patchParameters,
        requestBody: body(patchTypes),
        responses: ok('200'),
      }),
    };
  }
  if (type.namespaced)
    paths[`${prefix}/${type.plural}`] = {
      get: op('list', { parameters: LIST_PARAMETERS, responses: ok('200') }),
    };
  return paths;
}

/** `api/v1`, `apis/<group>/<version>`: the group versions served, as OpenAPI v3 names them. */
export function openApiGroupVersions(): string[] {
  return [
    ...new Set(RESOURCE_TYPES.map((t) => (t.group ? `apis/${t.group}/${t.version}` : `api/${t.version}`))),
  ];
}

/**
 * The OpenAPI v3 document of one group version, generated from the same zod schemas the server
 * validates with: kind schemas carry x-kubernetes-group-version-kind (for `kubectl explain`), write
 * operations declare fieldValidation and dryRun (so kubectl validates on the server).
 */
export function openApiDocument(groupVersion: string): Record<string, unknown> | undefined {
  const types = RESOURCE_TYPES.filter(
    (t) => (t.group ? `apis/${t.group}/${t.version}` : `api/${t.version}`) === groupVersion,
  );
  if (types.length === 0) return undefined;
  const prefix = `/${groupVersion}`;
  return {
    openapi: '3.0.0',
    info: { title: 'gardener-ts', version: groupVersion.split('/').pop() },
    paths: Object.assign({}, ...types.map((t) => operations(t, prefix))),
    components: { schemas: Object.fromEntries(types.map((t) => [schemaName(t), jsonSchema(t)])) },
  };
}
