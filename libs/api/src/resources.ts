import type { z } from 'zod';
import { bastionSchema } from './kinds/bastion.js';
import { credentialsBindingSchema, secretBindingSchema } from './kinds/bindings.js';
import { cloudProfileSchema } from './kinds/cloudprofile.js';
import { configMapSchema, secretSchema } from './kinds/core-v1.js';
import {
  CORE_EVENT_FIELD_SELECTORS,
  EVENTS_GROUP,
  EVENTS_V1_FIELD_SELECTORS,
  EVENTS_VERSION,
  eventFieldToCore,
  eventFromCore,
  eventSchema,
  eventsV1EventSchema,
  eventToCore,
} from './kinds/event.js';
import {
  CORE_GROUP,
  CORE_VERSION,
  MACHINE_GROUP,
  MACHINE_VERSION,
  OPERATIONS_GROUP,
  OPERATIONS_VERSION,
  QUOTA_GROUP,
  QUOTA_VERSION,
  SECURITY_GROUP,
  SECURITY_VERSION,
} from './kinds/groups.js';
import {
  machineClassSchema,
  machineDeploymentSchema,
  machineSchema,
  machineSetSchema,
} from './kinds/machine.js';
import { projectSchema } from './kinds/project.js';
import { projectQuotaSchema } from './kinds/quota.js';
import { seedSchema } from './kinds/seed.js';
import { shootFieldsNotActedOn, shootSchema } from './kinds/shoot.js';
import type { KubeObject } from './meta.js';
import type { PatchMergeKeys } from './patch.js';
import type { NameRule } from './validation/metadata.js';

/** Everything the server needs to know about a kind to serve it. */
export interface ResourceType {
  readonly group: string;
  readonly version: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly namespaced: boolean;
  readonly schema: z.ZodType;
  /** Has a `status` subresource: the main resource ignores status, `/status` ignores the rest. */
  readonly hasStatus: boolean;
  /** Accepts strategic merge patches (the built-in kinds kubectl patches that way). */
  readonly strategicMerge: boolean;
  readonly nameRule: NameRule;
  readonly maxNameLength: number;
  /** Requires the `confirmation.gardener.cloud/deletion=true` annotation before deletion. */
  readonly confirmDeletion: boolean;
  /** Lists merged by key in strategic merge patches (and declared so in OpenAPI for kubectl apply). */
  readonly patchMergeKeys?: PatchMergeKeys;
  /** Warnings for what an object sets that is stored but not acted on (sent with each write). */
  readonly notActedOn?: (obj: KubeObject) => string[];
  /** Fields a list or watch may select on besides metadata.name and metadata.namespace. */
  readonly extraFieldSelectors?: readonly string[];
  /** Served from another version's stored objects (as kube-apiserver serves events.k8s.io/v1 Events). */
  readonly conversion?: VersionConversion;
}

/**
 * How a version that is not stored maps onto the one that is: objects and field selectors are
 * converted on the way in and out; admission, strategy and storage are the stored version's.
 */
export interface VersionConversion {
  /** apiVersion of the stored version (same kind). */
  readonly storageApiVersion: string;
  toStorage(obj: KubeObject): KubeObject;
  fromStorage(obj: KubeObject): KubeObject;
  fieldToStorage(field: string): string;
}

export function fieldSelectorsOf(type: ResourceType): string[] {
  return ['metadata.name', 'metadata.namespace', ...(type.extraFieldSelectors ?? [])];
}

function type(t: Omit<ResourceType, 'apiVersion'>): ResourceType {
  return { ...t, apiVersion: t.group ? `${t.group}/${t.version}` : t.version };
}

const core = { group: CORE_GROUP, version: CORE_VERSION, strategicMerge: false } as const;
const machine = {
  group: MACHINE_GROUP,
  version: MACHINE_VERSION,
  strategicMerge: false,
  namespaced: true,
  nameRule: 'dns1123-subdomain',
  maxNameLength: 253,
  confirmDeletion: false,
} as const;

export const RESOURCE_TYPES: readonly ResourceType[] = [
  type({
    ...core,
    kind: 'Project',
    plural: 'projects',
    singular: 'project',
    shortNames: [],
    namespaced: false,
    schema: projectSchema,
    hasStatus: true,
    nameRule: 'dns1123-label',
    maxNameLength: 10,
    confirmDeletion: true,
  }),
  type({
    ...core,
    kind: 'CloudProfile',
    plural: 'cloudprofiles',
    singular: 'cloudprofile',
    shortNames: ['cprofile', 'cpfl'],
    namespaced: false,
    schema: cloudProfileSchema,
    hasStatus: false,
    nameRule: 'dns1123-subdomain',
    maxNameLength: 253,
    confirmDeletion: false,
  }),
  type({
    ...core,
    kind: 'Seed',
    plural: 'seeds',
    singular: 'seed',
    shortNames: [],
    namespaced: false,
    schema: seedSchema,
    hasStatus: true,
    nameRule: 'dns1123-label',
    maxNameLength: 63,
    confirmDeletion: false,
  }),
  type({
    ...core,
    kind: 'SecretBinding',
    plural: 'secretbindings',
    singular: 'secretbinding',
    shortNames: ['sb'],
    namespaced: true,
    schema: secretBindingSchema,
    hasStatus: false,
    nameRule: 'dns1123-subdomain',
    maxNameLength: 253,
    confirmDeletion: false,
  }),
  type({
    ...core,
    kind: 'Shoot',
    plural: 'shoots',
    singular: 'shoot',
    shortNames: [],
    namespaced: true,
    // Strategic merge (workers by name), so `kubectl apply` leaves server-set worker defaults alone.
    strategicMerge: true,
    patchMergeKeys: {
      'spec.provider.workers': 'name',
      'spec.extensions': 'type',
      'spec.resources': 'name',
      'status.conditions': 'type',
      'status.constraints': 'type',
      'metadata.ownerReferences': 'uid',
    },
    schema: shootSchema,
    hasStatus: true,
    nameRule: 'dns1123-label',
    maxNameLength: 63,
    confirmDeletion: true,
    notActedOn: shootFieldsNotActedOn,
    // Gardener's shoot field selectors
    extraFieldSelectors: [
      'spec.seedName',
      'status.seedName',
      'spec.cloudProfileName',
      'spec.cloudProfile.name',
      'spec.cloudProfile.kind',
    ],
  }),
  type({
    group: SECURITY_GROUP,
    version: SECURITY_VERSION,
    strategicMerge: false,
    kind: 'CredentialsBinding',
    plural: 'credentialsbindings',
    singular: 'credentialsbinding',
    shortNames: ['cb'],
    namespaced: true,
    schema: credentialsBindingSchema,
    hasStatus: false,
    nameRule: 'dns1123-subdomain',
    maxNameLength: 253,
    confirmDeletion: false,
  }),
  type({
    group: '',
    version: 'v1',
    strategicMerge: true,
    kind: 'Secret',
    plural: 'secrets',
    singular: 'secret',
    shortNames: [],
    namespaced: true,
    schema: secretSchema,
    hasStatus: false,
    nameRule: 'dns1123-subdomain',
    maxNameLength: 253,
    confirmDeletion: false,
    extraFieldSelectors: ['type'],
  }),
  type({
    group: '',
    version: 'v1',
    strategicMerge: true,
    kind: 'ConfigMap',
    plural: 'configmaps',
    singular: 'configmap',
    shortNames: ['cm'],
    namespaced: true,
    schema: configMapSchema,
    hasStatus: false,
    nameRule: 'dns1123-subdomain',
    maxNameLength: 253,
    confirmDeletion: false,
  }),
  // the stored version first: resourceByKind('Event') is core/v1
  type({
    group: '',
    version: 'v1',
    strategicMerge: true,
    kind: 'Event',
    plural: 'events',
    singular: 'event',
    shortNames: ['ev'],
    namespaced: true,
    schema: eventSchema,
    hasStatus: false,
    nameRule: 'dns1123-subdomain',
    maxNameLength: 253,
    confirmDeletion: false,
    extraFieldSelectors: CORE_EVENT_FIELD_SELECTORS,
  }),
  type({
    group: EVENTS_GROUP,
    version: EVENTS_VERSION,
    strategicMerge: false,
    kind: 'Event',
    plural: 'events',
    singular: 'event',
    shortNames: ['ev'],
    namespaced: true,
    schema: eventsV1EventSchema,
    hasStatus: false,
    nameRule: 'dns1123-subdomain',
    maxNameLength: 253,
    confirmDeletion: false,
    extraFieldSelectors: EVENTS_V1_FIELD_SELECTORS,
    conversion: {
      storageApiVersion: 'v1',
      toStorage: eventToCore,
      fromStorage: eventFromCore,
      fieldToStorage: eventFieldToCore,
    },
  }),
  type({
    ...machine,
    kind: 'MachineClass',
    plural: 'machineclasses',
    singular: 'machineclass',
    shortNames: ['mcc'],
    schema: machineClassSchema,
    hasStatus: false,
  }),
  type({
    ...machine,
    kind: 'MachineDeployment',
    plural: 'machinedeployments',
    singular: 'machinedeployment',
    shortNames: ['mcd'],
    schema: machineDeploymentSchema,
    hasStatus: true,
  }),
  type({
    ...machine,
    kind: 'MachineSet',
    plural: 'machinesets',
    singular: 'machineset',
    shortNames: ['mcs'],
    schema: machineSetSchema,
    hasStatus: true,
  }),
  type({
    ...machine,
    kind: 'Machine',
    plural: 'machines',
    singular: 'machine',
    shortNames: ['mc'],
    schema: machineSchema,
    hasStatus: true,
  }),
  type({
    group: OPERATIONS_GROUP,
    version: OPERATIONS_VERSION,
    strategicMerge: false,
    kind: 'Bastion',
    plural: 'bastions',
    singular: 'bastion',
    shortNames: [],
    namespaced: true,
    schema: bastionSchema,
    hasStatus: true,
    nameRule: 'dns1123-subdomain',
    maxNameLength: 253,
    confirmDeletion: false,
    extraFieldSelectors: ['spec.seedName', 'spec.shootRef.name'],
  }),
  type({
    group: QUOTA_GROUP,
    version: QUOTA_VERSION,
    strategicMerge: false,
    kind: 'ProjectQuota',
    plural: 'projectquotas',
    singular: 'projectquota',
    shortNames: ['pquota'],
    namespaced: false,
    schema: projectQuotaSchema,
    hasStatus: false,
    nameRule: 'dns1123-label',
    maxNameLength: 63,
    confirmDeletion: false,
  }),
];

export function resourceByPlural(group: string, version: string, plural: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => t.group === group && t.version === version && t.plural === plural);
}

export function resourceByKind(kind: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => t.kind === kind);
}

/** The type whose objects a converted version shows (itself for a stored version). */
export function storageTypeOf(type: ResourceType): ResourceType {
  if (!type.conversion) return type;
  const { storageApiVersion } = type.conversion;
  const stored = RESOURCE_TYPES.find((t) => t.kind === type.kind && t.apiVersion === storageApiVersion);
  if (!stored)
    throw new Error(`${type.apiVersion} ${type.kind} names no stored version ${storageApiVersion}`);
  return stored;
}

/** A kind the code itself names (never user input): its absence is a programming error. */
export function requireResourceByKind(kind: string): ResourceType {
  const type = resourceByKind(kind);
  if (!type) throw new Error(`${kind} is not a registered kind`);
  return type;
}

export const DELETION_CONFIRMATION_ANNOTATION = 'confirmation.gardener.cloud/deletion';

/** The namespace that exists without a Project: the garden's own. */
export const GARDEN_NAMESPACE = 'garden';

/** Namespaces are not stored: each Project owns one, and the API shows it as a v1 Namespace. */
export function namespaceOf(name: string, project?: KubeObject): KubeObject {
  const labels: Record<string, string> = project
    ? { 'gardener.cloud/role': 'project', 'project.gardener.cloud/name': project.metadata.name ?? '' }
    : { 'gardener.cloud/role': 'garden' };
  const terminating = Boolean(project?.metadata.deletionTimestamp);
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      labels,
      ...(project ? { creationTimestamp: project.metadata.creationTimestamp ?? null } : {}),
    },
    status: { phase: terminating ? 'Terminating' : 'Active' },
  };
}
