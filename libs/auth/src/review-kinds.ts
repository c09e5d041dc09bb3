/** The kinds `kubectl auth whoami` and `kubectl auth can-i` create (answered at once, never stored). */
export const AUTHENTICATION_GROUP = 'authentication.k8s.io';
export const AUTHORIZATION_GROUP = 'authorization.k8s.io';
export const REVIEW_VERSION = 'v1';

/** The review kinds: created and answered at once, never stored; every identity but a bootstrap token may ask. */
export const REVIEW_RESOURCES = [
  { group: AUTHENTICATION_GROUP, resource: 'selfsubjectreviews', kind: 'SelfSubjectReview' },
  { group: AUTHORIZATION_GROUP, resource: 'selfsubjectaccessreviews', kind: 'SelfSubjectAccessReview' },
  { group: AUTHORIZATION_GROUP, resource: 'selfsubjectrulesreviews', kind: 'SelfSubjectRulesReview' },
] as const;

export function isSelfReview(a: { verb: string; group: string; resource: string }): boolean {
  return (
    a.verb === 'create' && REVIEW_RESOURCES.some((r) => r.group === a.group && r.resource === a.resource)
  );
}
