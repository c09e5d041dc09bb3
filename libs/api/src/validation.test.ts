import { CronExpressionParser } from 'cron-parser';
import { describe, expect, it, vi } from 'vitest';
import { type AdmissionLookups, admit } from './admission.js';
import { decodeStrict } from './decode.js';
import { ApiError, ApiErrorCode } from './errors.js';
import { exampleCloudProfile, exampleProject, exampleSeed, exampleShoot } from './examples.js';
import type { KubeObject } from './meta.js';
import { resourceByKind } from './resources.js';

function seedNamed(name: string, change: (s: ReturnType<typeof exampleSeed>) => void = () => {}) {
  const seed = exampleSeed();
  seed.metadata.name = name;
  change(seed);
  return seed;
}

const SEEDS: Record<string, () => ReturnType<typeof exampleSeed>> = {
  local: exampleSeed,
  busy: () => seedNamed('busy'),
  full: () => seedNamed('full', (s) => (s.spec.capacity = { shoots: 0 })),
  protected: () =>
    seedNamed('protected', (s) => (s.spec.taints = [{ key: 'seed.gardener.cloud/protected' }])),
};

const lookups: AdmissionLookups = {
  cloudProfile: async (name) => (name === 'local' ? exampleCloudProfile() : undefined),
  seed: async (name) => SEEDS[name]?.(),
  shootsOnSeed: async (seedName) => (seedName === 'busy' ? [{ nodes: '10.10.4.0/22' }] : []),
  exists: async (kind, namespace, name) =>
    kind === 'SecretBinding' && namespace === 'garden-dev' && name === 'creds',
  projectOfNamespace: async (namespace) => (namespace === 'garden-taken' ? 'other' : undefined),
};

/** Decodes and admits like the API server does; returns the error (or undefined). */
async function check(obj: unknown, old?: unknown): Promise<ApiError | undefined> {
  const kind = (obj as KubeObject).kind;
  const type = resourceByKind(kind);
  if (!type) throw new Error(`no type ${kind}`);
  try {
    const decoded = decodeStrict(type.schema, structuredClone(obj), kind) as KubeObject;
    const decodedOld = old
      ? (decodeStrict(type.schema, structuredClone(old), kind) as KubeObject)
      : undefined;
    if (decodedOld) await admit(type, decodedOld, undefined, { lookups });
    await admit(type, decoded, decodedOld, { lookups });
    return undefined;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
}

type Mutator<T> = (obj: T) => void;
type Shoot = ReturnType<typeof exampleShoot>;
// biome-ignore lint/suspicious/noExplicitAny: the table's mutators poke at arbitrary, deliberately wrong fields
type Any = Record<string, any>;

interface Row {
  rule: string;
  kind: 'Shoot' | 'CloudProfile' | 'Seed' | 'Project' | 'Secret' | 'ConfigMap' | 'CredentialsBinding';
  mutate: Mutator<Any>;
  /** For update rules: the change made to the stored object. */
  update?: boolean;
  code: ApiErrorCode;
  field: string;
}

const worker = (s: Any) => (s as Shoot).spec.provider.workers[0] as Any;

const rows: Row[] = [
  // strict schema
  {
    rule: 'unknown top-level spec field',
    kind: 'Shoot',
    mutate: (s) => {
      s.spec.foo = 1;
    },
    code: ApiErrorCode.BadRequest,
    field: 'spec.foo',
  },
  {
    rule: 'unknown nested field',
    kind: 'Shoot',
    mutate: (s) => {
      worker(s).machine.flavor = 'x';
    },
    code: ApiErrorCode.BadRequest,
    field: 'spec.provider.workers[0].machine.flavor',
  },
  {
    rule: 'unknown metadata field',
    kind: 'Shoot',
    mutate: (s) => {
      s.metadata.colour = 'red';
    },
    code: ApiErrorCode.BadRequest,
    field: 'metadata.colour',
  },
  {
    rule: 'wrong type',
    kind: 'Shoot',
    mutate: (s) => {
      worker(s).minimum = 'two';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.provider.workers[0].minimum',
  },
  {
    rule: 'required field missing',
    kind: 'Shoot',
    mutate: (s) => {
      delete s.spec.region;
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.region',
  },
  {
    rule: 'purpose outside the enum',
    kind: 'Shoot',
    mutate: (s) => {
      s.spec.purpose = 'fun';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.purpose',
  },
  {
    rule: 'wrong apiVersion',
    kind: 'Shoot',
    mutate: (s) => {
      s.apiVersion = 'core.gardener.cloud/v1';
    },
    code: ApiErrorCode.Invalid,
    field: 'apiVersion',
  },
  // metadata
  {
    rule: 'name not a DNS-1123 label',
    kind: 'Shoot',
    mutate: (s) => {
      s.metadata.name = 'Demo_1';
    },
    code: ApiErrorCode.Invalid,
    field: 'metadata.name',
  },
  {
    rule: 'project + shoot name longer than 21',
    kind: 'Shoot',
    mutate: (s) => {
      s.metadata.name = 'a-very-long-shoot-nam';
    },
    code: ApiErrorCode.Invalid,
    field: 'metadata.name',
  },
  {
    rule: 'name with two consecutive hyphens (technical IDs would be ambiguous)',
    kind: 'Shoot',
    mutate: (s) => {
      s.metadata.name = 'b--c';
    },
    code: ApiErrorCode.Invalid,
    field: 'metadata.name',
  },
  {
    rule: 'a tenant shoot tolerating the protected taint',
    kind: 'Shoot',
    mutate: (s) => {
      s.spec.tolerations = [{ key: 'seed.gardener.cloud/protected' }];
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.tolerations[0].key',
  },
  {
    rule: 'a seed named whose taints the shoot does not tolerate',
    kind: 'Shoot',
    mutate: (s) => {
      s.spec.seedName = 'protected';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.seedName',
  },
  {
    rule: 'a seed named without capacity',
    kind: 'Shoot',
    mutate: (s) => {
      s.spec.seedName = 'full';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.seedName',
  },
  {
    rule: "nodes outside the seed's shoot range",
    kind: 'Shoot',
    mutate: (s) => {
      s.spec.seedName = 'local';
      s.spec.networking.nodes = '10.11.0.0/24';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.networking.nodes',
  },
  {
    rule: "nodes overlapping another shoot's on the seed",
    kind: 'Shoot',
    mutate: (s) => {
      s.spec.seedName = 'busy';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.networking.nodes',
  },
  {
    rule: 'label value invalid',
    kind: 'Shoot',
    mutate: (s) => {
      s.metadata.labels = { team: 'not ok!' };
    },
    code: ApiErrorCode.Invalid,
    field: 'metadata.labels[team]',
  },
  {
    rule: 'annotation key invalid',
    kind: 'Shoot',
    mutate: (s) => {
      s.metadata.annotations = { 'a/b/c': 'x' };
    },
    code: ApiErrorCode.Invalid,
    field: 'metadata.annotations[a/b/c]',
  },
  // shoot, on its own
  {
    rule: 'cloud profile required',
    kind: 'Shoot',
    mutate: (s) => {
      delete s.spec.cloudProfileName;
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.cloudProfileName',
  },
  {
    rule: 'cloud profile named twice, differently',
    kind: 'Shoot',
    mutate: (s) => {
      s.spec.cloudProfile = { kind: 'CloudProfile', name: 'other' };
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.cloudProfile.name',
  },
  {
    rule: 'kubernetes version malformed',
    kind: 'Shoot',
    mutate: (s) => {
      s.spec.kubernetes.version = 'latest';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.kubernetes.version',
  },
  {
    rule: 'minimum > maximum',
    kind: 'Shoot',
    mutate: (s) => {
      worker(s).minimum = 5;
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.provider.workers[0].minimum',
  },
  {
    rule: 'maximum below zone count',
    kind: 'Shoot',
    mutate: (s) => {
      worker(s).minimum = 1;
      worker(s).maximum = 1;
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.provider.workers[0].maximum',
  },
  {
    rule: 'duplicate worker names',
    kind: 'Shoot',
    mutate: (s) => {
      s.spec.provider.workers.push(structuredClone(worker(s)));
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.provider.workers',
  },
  {
    rule: 'worker name too long',
    kind: 'Shoot',
    mutate: (s) => {
      worker(s).name = 'pool-with-long-name';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.provider.workers[0].name',
  },
  {
    rule: 'duplicate zones',
    kind: 'Shoot',
    mutate: (s) => {
      worker(s).zones = ['zone-a', 'zone-a'];
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.provider.workers[0].zones',
  },
  {
    rule: 'maxSurge and maxUnavailable both 0',
    kind: 'Shoot',
    mutate: (s) => {
      worker(s).maxSurge = 0;
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.provider.workers[0].maxUnavailable',
  },
  {
    rule: 'maxSurge neither int nor percent',
    kind: 'Shoot',
    mutate: (s) => {
      worker(s).maxSurge = 'many';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.provider.workers[0].maxSurge',
  },
  {
    rule: 'node CIDR with host bits',
    kind: 'Shoot',
    mutate: (s) => {
      s.spec.networking.nodes = '10.10.7.1/24';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.networking.nodes',
  },
  {
    rule: 'pod CIDR not a CIDR',
    kind: 'Shoot',
    mutate: (s) => {
      s.spec.networking.pods = '100.64.0.0';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.networking.pods',
  },
  {
    rule: 'services overlap pods',
    kind: 'Shoot',
    mutate: (s) => {
      s.spec.networking.services = '100.72.0.0/13';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.networking.services',
  },
  {
    rule: 'nodes overlap services',
    kind: 'Shoot',
    mutate: (s) => {
      s.spec.networking.nodes = '100.104.0.0/24';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.networking.services',
  },
  {
    rule: 'maintenance time malformed',
    kind: 'Shoot',
    mutate: (s) => {
      s.spec.maintenance.timeWindow.begin = '22:00';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.maintenance.timeWindow.begin',
  },
  {
    rule: 'maintenance window shorter than 30 min',
    kind: 'Shoot',
    mutate: (s) => {
      s.spec.maintenance.timeWindow.end = '221500+0000';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.maintenance.timeWindow',
  },
  {
    rule: 'maintenance window longer than 6 h',
    kind: 'Shoot',
    mutate: (s) => {
      s.spec.maintenance.timeWindow.end = '050000+0000';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.maintenance.timeWindow',
  },
  {
    rule: 'hibernation cron malformed',
    kind: 'Shoot',
    mutate: (s) => {
      s.spec.hibernation.schedules[0].start = 'every evening';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.hibernation.schedules[0].start',
  },
  {
    rule: 'hibernation location unknown',
    kind: 'Shoot',
    mutate: (s) => {
      s.spec.hibernation.schedules[0].location = 'Mars/Olympus';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.hibernation.schedules[0].location',
  },
  {
    rule: 'both secret and credentials binding',
    kind: 'Shoot',
    mutate: (s) => {
      s.spec.secretBindingName = 'creds';
      s.spec.credentialsBindingName = 'creds';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.credentialsBindingName',
  },
  {
    rule: 'secret binding missing',
    kind: 'Shoot',
    mutate: (s) => {
      s.spec.secretBindingName = 'nope';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.secretBindingName',
  },
  // shoot against the CloudProfile
  {
    rule: 'cloud profile not found',
    kind: 'Shoot',
    mutate: (s) => {
      s.spec.cloudProfileName = 'aws';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.cloudProfileName',
  },
  {
    rule: 'provider type differs from profile',
    kind: 'Shoot',
    mutate: (s) => {
      s.spec.provider.type = 'aws';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.provider.type',
  },
  {
    rule: 'region not offered',
    kind: 'Shoot',
    mutate: (s) => {
      s.spec.region = 'eu-west-1';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.region',
  },
  {
    rule: 'kubernetes version not offered',
    kind: 'Shoot',
    mutate: (s) => {
      s.spec.kubernetes.version = '1.99.0';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.kubernetes.version',
  },
  {
    rule: 'kubernetes version expired',
    kind: 'Shoot',
    mutate: (s) => {
      s.spec.kubernetes.version = '1.33.5';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.kubernetes.version',
  },
  {
    rule: 'minor with no supported patch',
    kind: 'Shoot',
    mutate: (s) => {
      s.spec.kubernetes.version = '1.35';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.kubernetes.version',
  },
  {
    rule: 'machine type not offered',
    kind: 'Shoot',
    mutate: (s) => {
      worker(s).machine.type = 'm5.large';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.provider.workers[0].machine.type',
  },
  {
    rule: 'machine type not usable',
    kind: 'Shoot',
    mutate: (s) => {
      worker(s).machine.type = 'local-retired';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.provider.workers[0].machine.type',
  },
  {
    rule: 'architecture differs from machine type',
    kind: 'Shoot',
    mutate: (s) => {
      worker(s).machine.architecture = 'arm64';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.provider.workers[0].machine.architecture',
  },
  {
    rule: 'machine image not offered',
    kind: 'Shoot',
    mutate: (s) => {
      worker(s).machine.image.name = 'ubuntu';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.provider.workers[0].machine.image.name',
  },
  {
    rule: 'machine image version not offered',
    kind: 'Shoot',
    mutate: (s) => {
      worker(s).machine.image.version = '11';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.provider.workers[0].machine.image.version',
  },
  {
    rule: 'zone not offered',
    kind: 'Shoot',
    mutate: (s) => {
      worker(s).zones = ['zone-z'];
      worker(s).minimum = 1;
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.provider.workers[0].zones[0]',
  },
  {
    rule: 'zones missing in a zoned region',
    kind: 'Shoot',
    mutate: (s) => {
      worker(s).zones = [];
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.provider.workers[0].zones',
  },
  // shoot against its seed
  {
    rule: 'seed not found',
    kind: 'Shoot',
    mutate: (s) => {
      s.spec.seedName = 'far-away';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.seedName',
  },
  {
    rule: 'nodes overlap the seed pods',
    kind: 'Shoot',
    mutate: (s) => {
      s.spec.seedName = 'local';
      s.spec.networking.nodes = '10.1.4.0/24';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.networking.nodes',
  },
  // shoot updates
  {
    rule: 'region immutable',
    kind: 'Shoot',
    update: true,
    mutate: (s) => {
      s.spec.region = 'other';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.region',
  },
  {
    rule: 'provider type immutable',
    kind: 'Shoot',
    update: true,
    mutate: (s) => {
      s.spec.provider.type = 'aws';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.provider.type',
  },
  {
    rule: 'node network immutable',
    kind: 'Shoot',
    update: true,
    mutate: (s) => {
      s.spec.networking.nodes = '10.10.8.0/24';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.networking.nodes',
  },
  {
    rule: 'pod network immutable',
    kind: 'Shoot',
    update: true,
    mutate: (s) => {
      s.spec.networking.pods = '100.128.0.0/12';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.networking.pods',
  },
  {
    rule: 'service network immutable',
    kind: 'Shoot',
    update: true,
    mutate: (s) => {
      s.spec.networking.services = '100.112.0.0/13';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.networking.services',
  },
  {
    rule: 'kubernetes downgrade',
    kind: 'Shoot',
    update: true,
    mutate: (s) => {
      s.spec.kubernetes.version = '1.34.0';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.kubernetes.version',
  },
  // CloudProfile
  {
    rule: 'profile: duplicate kubernetes version',
    kind: 'CloudProfile',
    mutate: (p) => {
      p.spec.kubernetes.versions.push({ version: '1.34.1' });
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.kubernetes.versions',
  },
  {
    rule: 'profile: version not major.minor.patch',
    kind: 'CloudProfile',
    mutate: (p) => {
      p.spec.kubernetes.versions[0].version = '1.34';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.kubernetes.versions[0].version',
  },
  {
    rule: 'profile: expiration date malformed',
    kind: 'CloudProfile',
    mutate: (p) => {
      p.spec.kubernetes.versions[0].expirationDate = 'soon';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.kubernetes.versions[0].expirationDate',
  },
  {
    rule: 'profile: classification unknown',
    kind: 'CloudProfile',
    mutate: (p) => {
      p.spec.kubernetes.versions[0].classification = 'stable';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.kubernetes.versions[0].classification',
  },
  {
    rule: 'profile: duplicate machine type',
    kind: 'CloudProfile',
    mutate: (p) => {
      p.spec.machineTypes.push(p.spec.machineTypes[0]);
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.machineTypes',
  },
  {
    rule: 'profile: memory not a quantity',
    kind: 'CloudProfile',
    mutate: (p) => {
      p.spec.machineTypes[0].memory = 'lots';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.machineTypes[0].memory',
  },
  {
    rule: 'profile: duplicate image',
    kind: 'CloudProfile',
    mutate: (p) => {
      p.spec.machineImages.push(p.spec.machineImages[0]);
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.machineImages',
  },
  {
    rule: 'profile: image without versions',
    kind: 'CloudProfile',
    mutate: (p) => {
      p.spec.machineImages[0].versions = [];
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.machineImages[0].versions',
  },
  {
    rule: 'profile: no regions',
    kind: 'CloudProfile',
    mutate: (p) => {
      p.spec.regions = [];
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.regions',
  },
  {
    rule: 'profile: duplicate zones',
    kind: 'CloudProfile',
    mutate: (p) => {
      p.spec.regions[0].zones.push({ name: 'zone-a' });
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.regions[0].zones',
  },
  // Seed
  {
    rule: 'seed: pods not a CIDR',
    kind: 'Seed',
    mutate: (s) => {
      s.spec.networks.pods = '10.1.0.0/33';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.networks.pods',
  },
  {
    rule: 'seed: services overlap pods',
    kind: 'Seed',
    mutate: (s) => {
      s.spec.networks.services = '10.1.128.0/17';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.networks.services',
  },
  {
    rule: 'seed: shoot node range overlaps seed nodes',
    kind: 'Seed',
    mutate: (s) => {
      s.spec.networks.shootDefaults.nodes = '172.18.0.0/20';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.networks.shootDefaults.nodes',
  },
  {
    rule: 'seed: backend type unknown',
    kind: 'Seed',
    mutate: (s) => {
      s.spec.backend.type = 'vm';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.backend.type',
  },
  // Project
  {
    rule: 'project: name longer than 10',
    kind: 'Project',
    mutate: (p) => {
      p.metadata.name = 'development';
    },
    code: ApiErrorCode.Invalid,
    field: 'metadata.name',
  },
  {
    rule: 'project: namespace without garden- prefix',
    kind: 'Project',
    mutate: (p) => {
      p.spec.namespace = 'dev';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.namespace',
  },
  {
    rule: 'project: unknown role',
    kind: 'Project',
    mutate: (p) => {
      p.spec.members[0].role = 'god';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.members[0].role',
  },
  {
    rule: 'project: namespace of another project',
    kind: 'Project',
    mutate: (p) => {
      p.spec.namespace = 'garden-taken';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.namespace',
  },
  {
    rule: 'project: name with two consecutive hyphens',
    kind: 'Project',
    mutate: (p) => {
      p.metadata.name = 'a--b';
      p.spec.namespace = 'garden-ab';
    },
    code: ApiErrorCode.Invalid,
    field: 'metadata.name',
  },
  {
    rule: 'project: namespace with two consecutive hyphens',
    kind: 'Project',
    mutate: (p) => {
      p.spec.namespace = 'garden-x--y';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.namespace',
  },
  {
    rule: 'project: namespace not a DNS label',
    kind: 'Project',
    mutate: (p) => {
      p.spec.namespace = 'garden-Dev_1';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.namespace',
  },
  {
    rule: "project: garden-garden, whose shoots' technical IDs are the garden namespace's",
    kind: 'Project',
    mutate: (p) => {
      p.spec.namespace = 'garden-garden';
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.namespace',
  },
  {
    rule: 'project: duplicate member',
    kind: 'Project',
    mutate: (p) => {
      p.spec.members.push(p.spec.members[0]);
    },
    code: ApiErrorCode.Invalid,
    field: 'spec.members',
  },
  // Secret, ConfigMap, CredentialsBinding
  {
    rule: 'secret: data not base64',
    kind: 'Secret',
    mutate: (s) => {
      s.data = { key: 'not base64!' };
    },
    code: ApiErrorCode.Invalid,
    field: 'data.key',
  },
  {
    rule: 'secret: data key invalid',
    kind: 'Secret',
    mutate: (s) => {
      s.data = { 'a b': 'eA==' };
    },
    code: ApiErrorCode.Invalid,
    field: 'data[a b]',
  },
  {
    rule: 'configmap: key in data and binaryData',
    kind: 'ConfigMap',
    mutate: (c) => {
      c.binaryData = { a: 'eA==' };
    },
    code: ApiErrorCode.Invalid,
    field: 'binaryData[a]',
  },
  {
    rule: 'configmap: immutable data changed',
    kind: 'ConfigMap',
    update: true,
    mutate: (c) => {
      c.data.a = 'changed';
    },
    code: ApiErrorCode.Invalid,
    field: 'data',
  },
  {
    rule: 'credentials binding: other namespace',
    kind: 'CredentialsBinding',
    mutate: (b) => {
      b.credentialsRef.namespace = 'garden-other';
    },
    code: ApiErrorCode.Invalid,
    field: 'credentialsRef.namespace',
  },
];

function valid(kind: Row['kind']): Any {
  switch (kind) {
    case 'Shoot':
      return exampleShoot();
    case 'CloudProfile':
      return exampleCloudProfile();
    case 'Seed':
      return exampleSeed();
    case 'Project':
      return exampleProject();
    case 'Secret':
      return {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 's', namespace: 'garden-dev' },
        data: { a: 'eA==' },
      };
    case 'ConfigMap':
      return {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'c', namespace: 'garden-dev' },
        data: { a: 'x' },
        immutable: true,
      };
    case 'CredentialsBinding':
      return {
        apiVersion: 'security.gardener.cloud/v1alpha1',
        kind: 'CredentialsBinding',
        metadata: { name: 'b', namespace: 'garden-dev' },
        credentialsRef: { apiVersion: 'v1', kind: 'Secret', name: 'creds', namespace: 'garden-dev' },
        provider: { type: 'local' },
      };
  }
}

describe('validation table', () => {
  it.each(['Shoot', 'CloudProfile', 'Seed', 'Project', 'Secret', 'ConfigMap', 'CredentialsBinding'] as const)(
    'accepts the valid %s',
    async (kind) => {
      expect(await check(valid(kind))).toBeUndefined();
    },
  );

  it("accepts a shoot on a seed it fits, and the protected taint tolerated in the garden's namespace", async () => {
    const onLocal = valid('Shoot');
    onLocal.spec.seedName = 'local';
    expect(await check(onLocal)).toBeUndefined();
    const gardens = valid('Shoot');
    gardens.metadata.namespace = 'garden';
    gardens.spec.seedName = 'protected';
    gardens.spec.tolerations = [{ key: 'seed.gardener.cloud/protected' }];
    expect(await check(gardens)).toBeUndefined();
  });

  it.each(rows)('$kind rejects: $rule', async (row) => {
    const obj = valid(row.kind);
    row.mutate(obj);
    const error = row.update ? await check(obj, valid(row.kind)) : await check(obj);
    expect(error, 'expected a rejection').toBeInstanceOf(ApiError);
    expect(error?.code).toBe(row.code);
    expect(error?.details.causes?.map((c) => c.field)).toContain(row.field);
  });
});

/** How hibernation schedules were validated before cron-parser, the parser that runs them, did it. */
const OLD_CRON_FIELD =
  /^(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/\d+)?(,(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/\d+)?)*$/;

function oldRegexAccepts(cron: string): boolean {
  const fields = cron.trim().split(/\s+/);
  return fields.length === 5 && fields.every((field) => OLD_CRON_FIELD.test(field));
}

function shootHibernatingAt(cron: string, location = 'Europe/Berlin'): Any {
  const shoot = valid('Shoot');
  shoot.spec.hibernation.schedules = [{ start: '00 20 * * 1-5', end: cron, location }];
  return shoot;
}

describe('hibernation schedules are validated by the parser that runs them', () => {
  it.each([
    ['0 24 * * *', /expected range 0-23/],
    ['0 0 30 2 *', /Invalid explicit day of month definition/],
    ['0 0 31 2,4 *', /none of the months it names has any of the days it names/],
    ['0 22-2 * * *', /Invalid range: 22-2/],
    ['0 7 * * FOO', /cannot resolve alias "foo"/],
    ['H 7 * * *', /no H/],
  ])(
    'rejects %j, which the old regular expression accepted, with a 422 naming the field',
    async (cron, reason) => {
      expect(oldRegexAccepts(cron)).toBe(true);
      const error = await check(shootHibernatingAt(cron));
      expect(error?.code).toBe(ApiErrorCode.Invalid);
      expect(error?.details.causes).toEqual([
        {
          type: 'FieldValueInvalid',
          field: 'spec.hibernation.schedules[0].end',
          message: expect.stringMatching(reason),
        },
      ]);
      expect(error?.message).toContain(
        'spec.hibernation.schedules[0].end: must be a cron expression with 5 fields',
      );
    },
  );

  it.each(['00 07 * * 1#1', '00 07 ? * MON-FRI'])(
    'accepts %j, which the old regular expression rejected',
    async (cron) => {
      expect(oldRegexAccepts(cron)).toBe(false);
      expect(await check(shootHibernatingAt(cron))).toBeUndefined();
    },
  );

  it('names the schedule it refuses', async () => {
    const error = await check(shootHibernatingAt('0 22-2 * * *'));
    expect(error?.details.causes?.[0]?.message).toMatch(
      /^must be a cron expression .*Invalid range: 22-2.* \(got "0 22-2 \* \* \*"\)$/,
    );
    expect(error?.message).toContain('(got "0 22-2 * * *")');
  });

  it('reports an unknown location once, on the location', async () => {
    const error = await check(shootHibernatingAt('00 07 * * 1-5', 'UTC+1'));
    expect(error?.details.causes?.map((c) => c.field)).toEqual(['spec.hibernation.schedules[0].location']);
  });
});

describe('an immutable ConfigMap or Secret', () => {
  const immutableData = {
    type: 'FieldValueForbidden',
    field: 'data',
    message: 'field is immutable when `immutable` is set',
  };
  const configMap = (data: Record<string, string>, binaryData: Record<string, string>): Any => ({
    ...valid('ConfigMap'),
    data,
    binaryData,
  });
  const secret = (data: Record<string, string>): Any => ({ ...valid('Secret'), data, immutable: true });

  it('ConfigMap: accepts the same data and binaryData with their keys in another order', async () => {
    const old = configMap({ a: 'x', b: 'y' }, { c: 'eA==', d: 'eQ==' });
    expect(await check(configMap({ b: 'y', a: 'x' }, { d: 'eQ==', c: 'eA==' }), old)).toBeUndefined();
  });

  it('Secret: accepts the same data with its keys in another order', async () => {
    expect(await check(secret({ b: 'eQ==', a: 'eA==' }), secret({ a: 'eA==', b: 'eQ==' }))).toBeUndefined();
  });

  it('still refuses a changed value, in any key order', async () => {
    const old = configMap({ a: 'x', b: 'y' }, { c: 'eA==' });
    const changedData = await check(configMap({ b: 'y', a: 'changed' }, { c: 'eA==' }), old);
    const changedBinary = await check(configMap({ b: 'y', a: 'x' }, { c: 'eQ==' }), old);
    const changedSecret = await check(secret({ b: 'eQ==', a: 'eQ==' }), secret({ a: 'eA==', b: 'eQ==' }));
    for (const error of [changedData, changedBinary, changedSecret]) {
      expect(error?.code).toBe(ApiErrorCode.Invalid);
      expect(error?.details.causes).toEqual([immutableData]);
    }
  });
});

describe('a shoot has at most 32 hibernation schedules', () => {
  /** valid, and among the slowest for cron-parser to read (tens of milliseconds each) */
  const slowSchedule = { start: '0 0 29 2 *', end: '0 0 29 2 1', location: 'Europe/Berlin' };
  const shootWithSchedules = (count: number): Any => {
    const shoot = valid('Shoot');
    shoot.spec.hibernation.schedules = Array.from({ length: count }, () => ({ ...slowSchedule }));
    return shoot;
  };

  it('refuses 33 with a 422 FieldValueTooMany on the list, before parsing any of them', async () => {
    const parse = vi.spyOn(CronExpressionParser, 'parse');
    try {
      const error = await check(shootWithSchedules(33));
      expect(parse).not.toHaveBeenCalled();
      expect(error?.code).toBe(ApiErrorCode.Invalid);
      expect(error?.details.causes).toEqual([
        {
          type: 'FieldValueTooMany',
          field: 'spec.hibernation.schedules',
          message: 'must have at most 32 items',
        },
      ]);
    } finally {
      parse.mockRestore();
    }
  });

  it('accepts 32', async () => {
    expect(await check(shootWithSchedules(32))).toBeUndefined();
  });
});

describe('hibernation schedules stored before the rules got stricter are ratcheted on update', () => {
  const type = resourceByKind('Shoot');
  if (!type) throw new Error('no Shoot type');
  const invalidSchedules = [{ start: '00 20 * * 1-5', end: '0 24 * * *', location: 'Europe/Berlin' }];
  const tooManySchedules = Array.from({ length: 33 }, () => ({
    start: '00 20 * * 1-5',
    end: '00 07 * * 1-5',
    location: 'Europe/Berlin',
  }));
  const shootWith = (schedules: unknown[]): Any => {
    const shoot = valid('Shoot');
    shoot.spec.hibernation.schedules = structuredClone(schedules);
    return shoot;
  };

  /** A shoot as the store holds it: admitted with valid schedules, then given ones today's rules refuse. */
  const stored = async (schedules: unknown[]): Promise<Any> => {
    const shoot = decodeStrict(type.schema, valid('Shoot'), 'Shoot') as KubeObject;
    const admitted = (await admit(type, shoot, undefined, { lookups })) as Any;
    admitted.spec.hibernation.schedules = structuredClone(schedules);
    return admitted;
  };

  /** Decodes and admits `obj` as an update of `old`; returns the admitted object or the error. */
  const update = async (obj: Any, old: Any): Promise<{ admitted?: Any; error?: ApiError }> => {
    try {
      const decoded = decodeStrict(type.schema, structuredClone(obj), 'Shoot') as KubeObject;
      return {
        admitted: (await admit(type, decoded, structuredClone(old) as KubeObject, { lookups })) as Any,
      };
    } catch (error) {
      if (error instanceof ApiError) return { error };
      throw error;
    }
  };

  const unrelatedChanges: [string, Mutator<Any>][] = [
    ['a label', (s) => (s.metadata.labels = { ...s.metadata.labels, team: 'blue' })],
    ['an annotation', (s) => (s.metadata.annotations = { 'gardener.cloud/operation': 'maintain' })],
    ['hibernation.enabled', (s) => (s.spec.hibernation.enabled = true)],
    ['a worker maximum', (s) => (s.spec.provider.workers[0].maximum += 1)],
  ];
  const storedCases: [string, unknown[]][] = [
    ['an unparsable cron', invalidSchedules],
    ['33 schedules', tooManySchedules],
  ];

  describe.each(storedCases)('stored with %s', (_, schedules) => {
    it.each(unrelatedChanges)(
      'accepts an update of only %s, leaving the schedules as stored',
      async (_, change) => {
        const old = await stored(schedules);
        const next = structuredClone(old);
        change(next);
        const { admitted, error } = await update(next, old);
        expect(error).toBeUndefined();
        expect(admitted?.spec.hibernation.schedules).toEqual(schedules);
      },
    );

    it('refuses an update that changes them to schedules still invalid, as create does', async () => {
      const [first, ...rest] = structuredClone(schedules) as Any[];
      const changed = [{ ...first, end: '0 25 * * *' }, ...rest];
      if (changed.length > 32) changed.push({ ...first });
      const onCreate = await check(shootWith(changed));
      expect(onCreate?.code).toBe(ApiErrorCode.Invalid);
      expect(onCreate?.details.causes?.map((c) => c.type)).toEqual([
        schedules.length > 32 ? 'FieldValueTooMany' : 'FieldValueInvalid',
      ]);
      const old = await stored(schedules);
      const next = structuredClone(old);
      next.spec.hibernation.schedules = changed;
      const { error } = await update(next, old);
      expect(error?.code).toBe(ApiErrorCode.Invalid);
      expect(error?.details.causes).toEqual(onCreate?.details.causes);
    });

    it('still refuses them on create', async () => {
      const error = await check(shootWith(schedules));
      expect(error?.code).toBe(ApiErrorCode.Invalid);
      expect(error?.details.causes?.map((c) => c.field)).toEqual([
        schedules.length > 32 ? 'spec.hibernation.schedules' : 'spec.hibernation.schedules[0].end',
      ]);
    });
  });

  it('counts the same schedules with their keys in another order as unchanged', async () => {
    const old = await stored(invalidSchedules);
    const next = structuredClone(old);
    next.spec.hibernation.schedules = [
      { location: 'Europe/Berlin', end: '0 24 * * *', start: '00 20 * * 1-5' },
    ];
    next.metadata.labels = { team: 'blue' };
    expect((await update(next, old)).error).toBeUndefined();
  });
});
