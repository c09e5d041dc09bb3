import {
  EVENTS_GROUP,
  GARDEN_NAMESPACE,
  type KubeObject,
  MACHINE_GROUP,
  type Project,
  QUOTA_GROUP,
} from '@gardener-ts/api';
import { type Identity, isGardenAdmin, READ_VERBS, type RequestAttributes } from './identity.js';
import { isSelfReview } from './review-kinds.js';
import { type ProjectRole, projectChanges, projectRolesOf } from './roles.js';
import { type SeedScope, seedChangeDecision, seedRequestDecision } from './seed-authorizer.js';
import { systemFieldsDecision } from './system-fields.js';

/** Token kinds served by this API besides the resource model. */
export const AUTH_GROUP = 'auth.gardener-ts.io';
export const AUTH_VERSION = 'v1alpha1';
export const USER_TOKENS = 'usertokens';
export const SERVICE_ACCOUNT_TOKENS = 'serviceaccounttokens';

/** Bastions open SSH into a shoot's nodes: only the project's admins may make or change them. */
export const BASTIONS = 'bastions';

/** A project's quota is named after it: its members may read it, only garden admins write it. */
export const PROJECT_QUOTAS = 'projectquotas';

/** Readable by every authenticated user, as Gardener's `read-global-resources` role grants. */
const GLOBAL_READABLE = new Set(['cloudprofiles', 'seeds', 'namespaces']);

export type Decision = { allowed: true } | { allowed: false; reason: string };

export interface AuthorizationContext {
  /** The project that owns the request's namespace (namespaced requests), or the addressed project. */
  readonly project?: Project | undefined;
}

const allow: Decision = { allowed: true };
const deny = (reason: string): Decision => ({ allowed: false, reason });

function anyOf(roles: Set<ProjectRole>, wanted: readonly ProjectRole[]): boolean {
  return wanted.some((role) => roles.has(role));
}

/**
 * What only the gardener writes, whoever asks (garden admins aside): the status of every kind
 * (the gardenlet reports what it did; a kubeconfig or a flow must never follow a user's word
 * for it) and the machine.sapcloud.io kinds (their classes and replicas reach the seed host).
 */
function systemOwned(a: RequestAttributes): Decision | undefined {
  if (READ_VERBS.has(a.verb)) return undefined;
  if (a.subresource === 'status')
    return deny(
      `the status of ${a.resource} is written by the gardener only; change the object's spec instead`,
    );
  if (a.group === MACHINE_GROUP)
    return deny(
      `${a.resource} are made by the gardenlet from the shoot's workers; change spec.provider.workers of the shoot instead`,
    );
  if (a.resource === 'events' && (a.group === '' || a.group === EVENTS_GROUP))
    return deny('events are recorded by the gardener only (they report what it did and why); read them');
  return undefined;
}

function clusterScoped(identity: Identity, a: RequestAttributes, context: AuthorizationContext): Decision {
  if (a.resource === 'projects') return projectRequest(identity, a, context.project);
  if (a.resource === PROJECT_QUOTAS && a.group === QUOTA_GROUP && a.verb === 'get' && context.project)
    return projectRolesOf(identity, context.project).size > 0
      ? allow
      : deny(`no role in project "${context.project.metadata.name}"`);
  if (GLOBAL_READABLE.has(a.resource) && READ_VERBS.has(a.verb)) return allow;
  return deny(`only garden admins may ${a.verb} ${a.resource}`);
}

function projectRequest(identity: Identity, a: RequestAttributes, project: Project | undefined): Decision {
  // Anyone may create a project (and becomes its owner); lists and watches show only the caller's projects.
  if (a.verb === 'create' || a.verb === 'list' || a.verb === 'watch') return allow;
  if (!project) return deny(`${a.verb} on project "${a.name}" needs a role in it`);
  const roles = projectRolesOf(identity, project);
  if (a.verb === 'get') return roles.size > 0 ? allow : deny(`no role in project "${a.name}"`);
  if (a.verb === 'delete')
    return anyOf(roles, ['owner', 'admin'])
      ? allow
      : deny('deleting a project needs the owner or admin role');
  // update/patch: which fields may change is checked against the change itself (projectChangeDecision).
  return anyOf(roles, ['owner', 'admin', 'uam'])
    ? allow
    : deny('changing a project needs the owner, admin or uam role');
}

function namespaced(identity: Identity, a: RequestAttributes, project: Project | undefined): Decision {
  if (!project) return deny(`only garden admins may access namespace "${a.namespace}"`);
  const roles = projectRolesOf(identity, project);
  const name = project.metadata.name;
  if (a.resource === SERVICE_ACCOUNT_TOKENS)
    return anyOf(roles, ['owner', 'serviceaccountmanager'])
      ? allow
      : deny(
          `managing service account tokens in project "${name}" needs the owner or serviceaccountmanager role`,
        );
  // Gardener lets viewers (and admins) request a viewer kubeconfig for their project's shoots.
  if (a.resource === 'shoots' && a.subresource === 'viewerkubeconfig' && a.verb === 'create')
    return anyOf(roles, ['owner', 'admin', 'viewer'])
      ? allow
      : deny(`a viewer kubeconfig in project "${name}" needs the owner, admin or viewer role`);
  if (a.resource === BASTIONS && !READ_VERBS.has(a.verb))
    return anyOf(roles, ['owner', 'admin'])
      ? allow
      : deny(`${a.verb} bastions (SSH access to nodes) in project "${name}" needs the owner or admin role`);
  if (READ_VERBS.has(a.verb)) {
    if (anyOf(roles, ['owner', 'admin'])) return allow;
    if (roles.has('viewer') && a.resource !== 'secrets') return allow;
    return deny(
      `${a.verb} ${a.resource} in project "${name}" needs the ${a.resource === 'secrets' ? 'owner or admin' : 'owner, admin or viewer'} role`,
    );
  }
  return anyOf(roles, ['owner', 'admin'])
    ? allow
    : deny(`${a.verb} ${a.resource} in project "${name}" needs the owner or admin role`);
}

/**
 * The authorization decision, a pure function of who asks, what for, and the project concerned:
 * garden admins may do anything; everyone else acts through project roles (owner, admin, viewer
 * without secrets, uam, serviceaccountmanager) and may read the global kinds and create projects.
 */
export function authorize(
  identity: Identity,
  attributes: RequestAttributes,
  context: AuthorizationContext,
): Decision {
  if (isGardenAdmin(identity)) return allow;
  if (identity.kind === 'SeedBootstrap')
    return deny("a seed's bootstrap token may only be exchanged for the seed's credential");
  // who am I and what may I do: every identity may ask about itself (Kubernetes' system:basic-user)
  if (isSelfReview(attributes)) return allow;
  if (identity.kind === 'Seed') return seedRequestDecision(identity, attributes);
  const systemDecision = systemOwned(attributes);
  if (systemDecision) return systemDecision;
  if (attributes.resource === USER_TOKENS) return deny('only garden admins may manage user tokens');
  if (attributes.namespace === undefined) return clusterScoped(identity, attributes, context);
  return namespaced(identity, attributes, context.project);
}

/** May this identity see this project in a list? */
export function canSeeProject(identity: Identity, project: Project): boolean {
  return isGardenAdmin(identity) || projectRolesOf(identity, project).size > 0;
}

/**
 * A project update: ownership (`spec.owner`, and who holds the `owner` role) is the owner's to
 * hand on, the other members the uam's (or owner's), the rest the admin's (or owner's).
 */
export function projectChangeDecision(identity: Identity, old: Project, next: Project): Decision {
  if (isGardenAdmin(identity)) return allow;
  const roles = projectRolesOf(identity, old);
  const changes = projectChanges(old, next);
  if (changes.ownership && !roles.has('owner'))
    return deny('changing the project owner or who holds the owner role needs the owner role');
  if (changes.members && !anyOf(roles, ['owner', 'uam']))
    return deny('changing project members needs the owner or uam role');
  if (changes.other && !anyOf(roles, ['owner', 'admin']))
    return deny('changing a project needs the owner or admin role');
  return allow;
}

/** The garden's own namespace is the operator's: whoever owned a project of it would hold what the garden keeps there. */
function claimsGardenNamespace(obj: KubeObject): boolean {
  return obj.kind === 'Project' && (obj as unknown as Project).spec?.namespace === GARDEN_NAMESPACE;
}

/**
 * Whether a user's write may store `next` where `old` was (`undefined` on create): system
 * finalizers and references stay the system's on every kind, and a Project's change must suit
 * the caller's roles; a gardenlet's, that both belong to its seed. Checked on a create's decoded
 * request and on an update's admitted result.
 */
export function changeDecision(
  identity: Identity,
  old: KubeObject | undefined,
  next: KubeObject,
  seedScope?: SeedScope,
): Decision {
  if (isGardenAdmin(identity)) return allow;
  if (identity.kind === 'Seed')
    return seedScope ? seedChangeDecision(seedScope, old, next) : deny('the seed scope is unknown');
  if (!old && claimsGardenNamespace(next))
    return deny(`only garden admins may make a project of the "${GARDEN_NAMESPACE}" namespace`);
  const system = systemFieldsDecision(old, next);
  if (!system.allowed || next.kind !== 'Project' || !old) return system;
  return projectChangeDecision(identity, old as unknown as Project, next as unknown as Project);
}
