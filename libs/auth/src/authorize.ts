import type { Project } from '@gardener-ts/api';
import { type Identity, READ_VERBS, type RequestAttributes } from './identity.js';
import { type ProjectRole, projectChanges, projectRolesOf } from './roles.js';

/** Token kinds served by this API besides the resource model. */
export const AUTH_GROUP = 'auth.gardener-ts.io';
export const AUTH_VERSION = 'v1alpha1';
export const USER_TOKENS = 'usertokens';
export const SERVICE_ACCOUNT_TOKENS = 'serviceaccounttokens';

/** Bastions open SSH into a shoot's nodes: only the project's admins may make or change them. */
export const BASTIONS = 'bastions';

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

function clusterScoped(identity: Identity, a: RequestAttributes, context: AuthorizationContext): Decision {
  if (a.resource === 'projects') return projectRequest(identity, a, context.project);
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
  // Gardener lets viewers request a viewer kubeconfig for their project's shoots.
  if (a.resource === 'shoots' && a.subresource === 'viewerkubeconfig' && a.verb === 'create')
    return roles.size > 0 ? allow : deny(`a viewer kubeconfig in project "${name}" needs a role in it`);
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
  if (identity.gardenAdmin) return allow;
  if (attributes.resource === USER_TOKENS) return deny('only garden admins may manage user tokens');
  if (attributes.namespace === undefined) return clusterScoped(identity, attributes, context);
  return namespaced(identity, attributes, context.project);
}

/** May this identity see this project in a list? */
export function canSeeProject(identity: Identity, project: Project): boolean {
  return identity.gardenAdmin || projectRolesOf(identity, project).size > 0;
}

/** A project update: members and owner are the uam's (or owner's) to change, the rest the admin's. */
export function projectChangeDecision(identity: Identity, old: Project, next: Project): Decision {
  if (identity.gardenAdmin) return allow;
  const roles = projectRolesOf(identity, old);
  const changes = projectChanges(old, next);
  if (changes.members && !anyOf(roles, ['owner', 'uam']))
    return deny('changing project members needs the owner or uam role');
  if (changes.other && !anyOf(roles, ['owner', 'admin']))
    return deny('changing a project needs the owner or admin role');
  return allow;
}
