import { jsonEqual, ownValue, type Project } from '@gardener-ts/api';
import { type Identity, serviceAccountUserName } from './identity.js';

export type ProjectRole = 'owner' | 'admin' | 'viewer' | 'uam' | 'serviceaccountmanager';

interface Subject {
  kind: string;
  name: string;
  namespace?: string | undefined;
}

function isSubject(identity: Identity, subject: Subject | undefined, projectNamespace: string): boolean {
  if (!subject) return false;
  if (subject.kind === 'User' || subject.kind === 'Group')
    return subject.kind === 'User' && subject.name === identity.name;
  if (subject.kind !== 'ServiceAccount' || identity.kind !== 'ServiceAccount') return false;
  return identity.name === serviceAccountUserName(subject.namespace ?? projectNamespace, subject.name);
}

/**
 * The identity's roles in a project, as Gardener grants them: the project's owner has `owner`,
 * members have their `role` and `roles`; `owner` implies admin, uam and serviceaccountmanager.
 */
export function projectRolesOf(identity: Identity, project: Project): Set<ProjectRole> {
  // Optional fields are read as the project's own: a prototype never supplies an owner, members or roles.
  const spec = project.spec;
  const namespace = (ownValue(spec, 'namespace') as string | undefined) ?? `garden-${project.metadata.name}`;
  const roles = new Set<ProjectRole>();
  if (isSubject(identity, ownValue(spec, 'owner') as Subject | undefined, namespace)) roles.add('owner');
  for (const member of (ownValue(spec, 'members') ?? []) as NonNullable<Project['spec']['members']>) {
    if (!isSubject(identity, member, namespace)) continue;
    for (const role of [member.role, ...((ownValue(member, 'roles') ?? []) as string[])])
      roles.add(role as ProjectRole);
  }
  if (roles.has('owner'))
    for (const implied of ['admin', 'uam', 'serviceaccountmanager'] as const) roles.add(implied);
  return roles;
}

function ownerRoleHolders(p: Project): unknown[] {
  return (p.spec.members ?? [])
    .filter((m) => m.role === 'owner' || (m.roles ?? []).includes('owner'))
    .map((m) => ({ kind: m.kind, name: m.name, namespace: m.namespace }));
}

/**
 * Which parts of a Project an update changes: its ownership (`spec.owner`, or which members hold
 * the `owner` role: the owner's business), its other members (the uam's) or anything else (the admin's).
 */
export function projectChanges(
  old: Project,
  next: Project,
): { ownership: boolean; members: boolean; other: boolean } {
  const ownership = (p: Project) => ({ owner: p.spec.owner, holders: ownerRoleHolders(p) });
  const membership = (p: Project) => ({ members: p.spec.members ?? [], owner: p.spec.owner });
  const rest = (p: Project) => {
    const { members: _m, owner: _o, ...spec } = p.spec;
    const { labels, annotations, finalizers } = p.metadata;
    return { spec, labels, annotations, finalizers };
  };
  return {
    ownership: !jsonEqual(ownership(old), ownership(next)),
    members: !jsonEqual(membership(old), membership(next)),
    other: !jsonEqual(rest(old), rest(next)),
  };
}

/** The Project subject that stands for an identity (owner, createdBy, members). */
export function subjectOf(identity: Identity): {
  apiGroup?: string;
  kind: 'User' | 'ServiceAccount';
  name: string;
  namespace?: string;
} {
  if (identity.kind === 'ServiceAccount' && identity.namespace) {
    return {
      kind: 'ServiceAccount',
      name: identity.name.split(':').pop() ?? identity.name,
      namespace: identity.namespace,
    };
  }
  return { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: identity.name };
}

/** A new project records who created it; its owner defaults to the creator, as in Gardener. */
export function claimProject(project: { spec?: Record<string, unknown> }, identity: Identity): void {
  project.spec ??= {};
  const spec = project.spec;
  spec.createdBy = subjectOf(identity);
  spec.owner ??= subjectOf(identity);
}
