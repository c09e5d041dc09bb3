import { allocateNodeCidr, defaultShoot, defaultShootFromCloudProfile } from './defaults/shoot.js';
import { type FieldError, invalid } from './errors.js';
import type { Bastion } from './kinds/bastion.js';
import type { CredentialsBinding, SecretBinding } from './kinds/bindings.js';
import type { CloudProfile } from './kinds/cloudprofile.js';
import type { ConfigMap, Secret } from './kinds/core-v1.js';
import { type Event, validateEvent } from './kinds/event.js';
import type { Project } from './kinds/project.js';
import type { Seed } from './kinds/seed.js';
import type { Shoot } from './kinds/shoot.js';
import type { KubeObject } from './meta.js';
import type { ResourceType } from './resources.js';
import { admitBastion } from './validation/bastion.js';
import { validateCloudProfile } from './validation/cloudprofile.js';
import { validateObjectMeta } from './validation/metadata.js';
import { validateOperationAnnotation } from './validation/operation.js';
import {
  validateConfigMap,
  validateImmutableData,
  validateProject,
  validateSecret,
  validateSeed,
} from './validation/others.js';
import {
  cloudProfileNameOf,
  validateNodesOnSeed,
  validateSeedChoice,
  validateShoot,
  validateShootAgainstCloudProfile,
  validateShootAgainstSeed,
  validateShootUpdate,
} from './validation/shoot.js';

/** What admission needs to know of another shoot on a seed. */
export interface SeedShoot {
  readonly nodes: string | undefined;
}

/** What admission may read from the store; the API server passes an implementation backed by it. */
export interface AdmissionLookups {
  cloudProfile(name: string): Promise<CloudProfile | undefined>;
  seed(name: string): Promise<Seed | undefined>;
  /** The shoots bound to a seed, except the one being admitted, with their node networks. */
  shootsOnSeed(seedName: string, except: { namespace: string; name: string }): Promise<SeedShoot[]>;
  exists(kind: string, namespace: string, name: string): Promise<boolean>;
  /** The name of the Project owning a namespace, if any. */
  projectOfNamespace(namespace: string): Promise<string | undefined>;
  /** A shoot, for the admission of objects that refer to one (Bastions). */
  shoot?(namespace: string, name: string): Promise<Shoot | undefined>;
}

/**
 * A provider's check of the shoot's provider configs (infrastructureConfig, controlPlaneConfig,
 * each worker's providerConfig): one `field.path: message` per problem; [] when fine or unknown.
 */
export type ProviderConfigCheck = (
  providerType: string,
  configs: {
    infrastructureConfig?: unknown;
    controlPlaneConfig?: unknown;
    workers: readonly { name: string; providerConfig?: unknown }[];
  },
) => string[];

export interface AdmissionContext {
  lookups: AdmissionLookups;
  providerConfigCheck?: ProviderConfigCheck;
  now?: Date;
  random?: () => number;
}

type Admitter = (
  obj: KubeObject,
  old: KubeObject | undefined,
  ctx: AdmissionContext,
) => Promise<FieldError[]>;

async function admitShoot(
  obj: KubeObject,
  oldObj: KubeObject | undefined,
  ctx: AdmissionContext,
): Promise<FieldError[]> {
  const shoot = obj as unknown as Shoot;
  const old = oldObj as unknown as Shoot | undefined;
  const now = ctx.now ?? new Date();
  defaultShoot(shoot, ctx.random);
  const errors: FieldError[] = [];
  const profileName = cloudProfileNameOf(shoot);
  const profile = profileName ? await ctx.lookups.cloudProfile(profileName) : undefined;
  if (profileName && !profile)
    errors.push({
      type: 'FieldValueInvalid',
      field: 'spec.cloudProfileName',
      message: `CloudProfile "${profileName}" not found`,
    });
  if (profile) defaultShootFromCloudProfile(shoot, profile, now);
  const seedName = shoot.spec.seedName;
  const seed = seedName ? await ctx.lookups.seed(seedName) : undefined;
  if (seedName && !seed)
    errors.push({
      type: 'FieldValueInvalid',
      field: 'spec.seedName',
      message: `Seed "${seedName}" not found`,
    });
  const binding = seed && seedName && bindsSeed(old);
  if (binding) {
    const others = await ctx.lookups.shootsOnSeed(seedName, {
      namespace: shoot.metadata.namespace ?? '',
      name: shoot.metadata.name ?? '',
    });
    const taken = others.flatMap((other) => (other.nodes ? [other.nodes] : []));
    if (!allocateNodeCidr(shoot, seed, taken)) {
      errors.push({
        type: 'FieldValueRequired',
        field: 'spec.networking.nodes',
        message: `seed "${seedName}" has no free node network left; set one explicitly`,
      });
    }
    if (!old?.spec.seedName) errors.push(...validateSeedChoice(shoot, { seed, shoots: others.length }));
    errors.push(...validateNodesOnSeed(shoot, seed, taken));
  }
  errors.push(...validateShoot(shoot, old));
  if (profile) errors.push(...validateShootAgainstCloudProfile(shoot, profile, old, now));
  if (seed) errors.push(...validateShootAgainstSeed(shoot, seed));
  if (old) errors.push(...validateShootUpdate(shoot, old));
  errors.push(...(await bindingErrors(shoot, ctx.lookups)));
  errors.push(...providerConfigErrors(shoot, ctx.providerConfigCheck));
  return errors;
}

/** A write that puts the shoot on its seed or gives it its node network there (both are set once). */
function bindsSeed(old: Shoot | undefined): boolean {
  return !old?.spec.seedName || !old.spec.networking.nodes;
}

function providerConfigErrors(shoot: Shoot, check: ProviderConfigCheck | undefined): FieldError[] {
  if (!check) return [];
  const { type, infrastructureConfig, controlPlaneConfig, workers } = shoot.spec.provider;
  return check(type, { infrastructureConfig, controlPlaneConfig, workers: workers ?? [] }).map((problem) => {
    const split = problem.indexOf(': ');
    return split > 0
      ? { type: 'FieldValueInvalid', field: problem.slice(0, split), message: problem.slice(split + 2) }
      : { type: 'FieldValueInvalid', field: 'spec.provider', message: problem };
  });
}

async function bindingErrors(shoot: Shoot, lookups: AdmissionLookups): Promise<FieldError[]> {
  const namespace = shoot.metadata.namespace ?? '';
  const checks = [
    { kind: 'SecretBinding', name: shoot.spec.secretBindingName, field: 'spec.secretBindingName' },
    {
      kind: 'CredentialsBinding',
      name: shoot.spec.credentialsBindingName,
      field: 'spec.credentialsBindingName',
    },
  ];
  const errors: FieldError[] = [];
  for (const { kind, name, field } of checks) {
    if (name && !(await lookups.exists(kind, namespace, name))) {
      errors.push({
        type: 'FieldValueInvalid',
        field,
        message: `${kind} "${name}" not found in namespace "${namespace}"`,
      });
    }
  }
  return errors;
}

function encodeStringData(secret: Secret): void {
  if (!secret.stringData) return;
  secret.data ??= {};
  for (const [key, value] of Object.entries(secret.stringData))
    secret.data[key] = Buffer.from(value).toString('base64');
  delete secret.stringData;
}

const admitters: Record<string, Admitter> = {
  Shoot: admitShoot,
  Project: async (obj, old, ctx) => {
    const project = obj as unknown as Project;
    project.spec.namespace ??= `garden-${project.metadata.name ?? ''}`;
    const errors = validateProject(project, old as unknown as Project | undefined);
    const owner = await ctx.lookups.projectOfNamespace(project.spec.namespace);
    if (owner !== undefined && owner !== project.metadata.name) {
      errors.push({
        type: 'FieldValueDuplicate',
        field: 'spec.namespace',
        message: `namespace "${project.spec.namespace}" belongs to project "${owner}"`,
      });
    }
    return errors;
  },
  CloudProfile: async (obj) => validateCloudProfile(obj as unknown as CloudProfile),
  Seed: async (obj) => validateSeed(obj as unknown as Seed),
  SecretBinding: async (obj) => {
    const binding = obj as unknown as SecretBinding;
    binding.secretRef.namespace ??= binding.metadata.namespace;
    return [];
  },
  CredentialsBinding: async (obj) => {
    const binding = obj as unknown as CredentialsBinding;
    return binding.credentialsRef.namespace === binding.metadata.namespace
      ? []
      : [
          {
            type: 'FieldValueForbidden',
            field: 'credentialsRef.namespace',
            message: "must be the binding's own namespace",
          },
        ];
  },
  Secret: async (obj, old) => {
    const secret = obj as unknown as Secret;
    encodeStringData(secret);
    const errors = validateSecret(secret);
    if (old) {
      errors.push(...validateImmutableData(secret, old as unknown as Secret));
      if ((old as unknown as Secret).type !== secret.type)
        errors.push({ type: 'FieldValueForbidden', field: 'type', message: 'field is immutable' });
    }
    return errors;
  },
  Bastion: async (obj, old, ctx) => {
    const bastion = obj as unknown as Bastion;
    if (old) return admitBastion(bastion, old as unknown as Bastion, undefined);
    if (!ctx.lookups.shoot) throw new Error('admitting a Bastion needs the shoot lookup');
    const shoot = await ctx.lookups.shoot(bastion.metadata.namespace ?? '', bastion.spec.shootRef.name);
    return admitBastion(bastion, undefined, shoot);
  },
  Event: async (obj, old) => validateEvent(obj as unknown as Event, old as unknown as Event | undefined),
  ConfigMap: async (obj, old) => {
    const configMap = obj as unknown as ConfigMap;
    const errors = validateConfigMap(configMap);
    if (old) errors.push(...validateImmutableData(configMap, old as unknown as ConfigMap));
    return errors;
  },
};

/**
 * Defaults and validates a decoded object (create when `old` is undefined, else update).
 * Mutates and returns `obj`; throws an Invalid ApiError listing every violated rule.
 */
export async function admit(
  type: ResourceType,
  obj: KubeObject,
  old: KubeObject | undefined,
  ctx: AdmissionContext,
): Promise<KubeObject> {
  const errors = validateObjectMeta(obj.metadata, type.nameRule, type.maxNameLength);
  errors.push(...validateOperationAnnotation(obj, old));
  const admitter = admitters[type.kind];
  if (admitter) errors.push(...(await admitter(obj, old, ctx)));
  if (errors.length > 0) throw invalid(type.kind, obj.metadata.name ?? '', errors, type.group || undefined);
  return obj;
}
