/** Who sent a request, as established from its bearer token. */
export interface Identity {
  /** A user's name, or `system:serviceaccount:<namespace>:<name>` for a project service account. */
  readonly name: string;
  readonly kind: 'User' | 'ServiceAccount' | 'Seed' | 'SeedBootstrap';
  /** The project namespace of a service account. */
  readonly namespace?: string;
  /** The seed a gardenlet's credential (or a bootstrap token for one) stands for. */
  readonly seedName?: string;
  /** Garden admins may do everything, including writing cluster-scoped kinds other than Project. */
  readonly gardenAdmin: boolean;
}

/**
 * Garden admin only if the identity itself says so with `true`: never through a value a prototype
 * supplies, nor a truthy non-boolean.
 */
export function isGardenAdmin(identity: Identity): boolean {
  return Object.hasOwn(identity, 'gardenAdmin') && identity.gardenAdmin === true;
}

/** An identity as authentication establishes it: its own fields only, frozen. */
export function makeIdentity(fields: Identity): Identity {
  return Object.freeze({
    name: fields.name,
    kind: fields.kind,
    ...(fields.namespace !== undefined ? { namespace: fields.namespace } : {}),
    ...(fields.seedName !== undefined ? { seedName: fields.seedName } : {}),
    gardenAdmin: fields.gardenAdmin === true,
  });
}

export const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

/** Gardener's user name of a gardenlet: `gardener.cloud:system:seed:<seed>`. */
export const SEED_USER_PREFIX = 'gardener.cloud:system:seed:';
/** A bootstrap token may do one thing: be exchanged for its seed's credential. */
export const SEED_BOOTSTRAP_USER_PREFIX = 'system:bootstrap:seed:';

export function serviceAccountUserName(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_PREFIX}${namespace}:${name}`;
}

/** What a request wants to do, in the terms Kubernetes authorizers use. */
export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

export interface RequestAttributes {
  readonly verb: Verb;
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
}

export const READ_VERBS: ReadonlySet<Verb> = new Set(['get', 'list', 'watch']);
export const MUTATING_VERBS: ReadonlySet<Verb> = new Set(['create', 'update', 'patch', 'delete']);
