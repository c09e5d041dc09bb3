import { CORE_GROUP, type FieldError, invalid, QUOTA_GROUP } from '@gardener-ts/api';
import { type Decision, PROJECT_QUOTAS } from './authorize.js';
import type { Identity, RequestAttributes, Verb } from './identity.js';
import { isGardenAdmin } from './identity.js';
import { AUTHENTICATION_GROUP, AUTHORIZATION_GROUP, REVIEW_VERSION } from './review-kinds.js';
import { NON_RESOURCE_URLS, nonResourceServed, type ServedResource, servedResources } from './served.js';

/**
 * SelfSubjectReview, SelfSubjectAccessReview and SelfSubjectRulesReview (what `kubectl auth
 * whoami` and `kubectl auth can-i` ask), answered from the garden's own authorization decision:
 * the caller passes `decide`, the decision its requests get, so a review never tells another story.
 */

/** The decision a request with these attributes would get from the caller, refused or not. */
export type Decide = (attributes: RequestAttributes) => Promise<Decision>;

type Plain = Record<string, unknown>;

const GARDEN_ADMIN_EXTRA = 'gardener-ts.io/garden-admin';

function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function reviewBody(body: unknown, group: string, kind: string): Plain {
  const apiVersion = `${group}/${REVIEW_VERSION}`;
  const causes: FieldError[] = [];
  const root = isPlain(body) ? body : {};
  if (!isPlain(body)) causes.push({ type: 'FieldValueRequired', field: '', message: `a ${kind} object` });
  if (root.kind !== undefined && root.kind !== kind)
    causes.push({ type: 'FieldValueInvalid', field: 'kind', message: `must be ${kind}` });
  if (root.apiVersion !== undefined && root.apiVersion !== apiVersion)
    causes.push({ type: 'FieldValueInvalid', field: 'apiVersion', message: `must be ${apiVersion}` });
  if (causes.length) throw invalid(kind, '', causes, group);
  return root;
}

function specOf(root: Plain, kind: string, group: string): Plain {
  if (root.spec === undefined) return {};
  if (isPlain(root.spec)) return root.spec;
  throw invalid(
    kind,
    '',
    [{ type: 'FieldValueTypeInvalid', field: 'spec', message: 'must be an object' }],
    group,
  );
}

function answer(group: string, kind: string, fields: Plain): Plain {
  return { apiVersion: `${group}/${REVIEW_VERSION}`, kind, metadata: {}, ...fields };
}

/** Kubernetes' user info: the name, the groups a token of this kind carries there, and whether a garden admin. */
export function userInfoOf(identity: Identity): Plain {
  const groups =
    identity.kind === 'ServiceAccount' && identity.namespace
      ? ['system:serviceaccounts', `system:serviceaccounts:${identity.namespace}`]
      : identity.kind === 'Seed'
        ? ['gardener.cloud:system:seeds']
        : [];
  return {
    username: identity.name,
    groups: [...groups, 'system:authenticated'],
    ...(isGardenAdmin(identity) ? { extra: { [GARDEN_ADMIN_EXTRA]: ['true'] } } : {}),
  };
}

export function selfSubjectReview(body: unknown, identity: Identity): Plain {
  reviewBody(body, AUTHENTICATION_GROUP, 'SelfSubjectReview');
  return answer(AUTHENTICATION_GROUP, 'SelfSubjectReview', { status: { userInfo: userInfoOf(identity) } });
}

// --- SelfSubjectAccessReview

interface ResourceQuestion {
  readonly namespace: string;
  readonly verb: string;
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly subresource: string;
  readonly name: string;
}

const SSAR = 'SelfSubjectAccessReview';

function ssarInvalid(field: string, message: string, type: FieldError['type'] = 'FieldValueInvalid'): Error {
  return invalid(SSAR, '', [{ type, field, message }], AUTHORIZATION_GROUP);
}

function stringField(value: Plain, key: string, path: string): string {
  const field = value[key];
  if (field === undefined) return '';
  if (typeof field !== 'string')
    throw ssarInvalid(`${path}.${key}`, 'must be a string', 'FieldValueTypeInvalid');
  return field;
}

function resourceQuestion(value: Plain): ResourceQuestion {
  const field = (key: string) => stringField(value, key, 'spec.resourceAttributes');
  return {
    namespace: field('namespace'),
    verb: field('verb'),
    group: field('group'),
    version: field('version'),
    resource: field('resource'),
    subresource: field('subresource'),
    name: field('name'),
  };
}

type AccessQuestion = { resource: ResourceQuestion } | { nonResource: { path: string; verb: string } };

function accessQuestion(spec: Plain): AccessQuestion {
  const resource = spec.resourceAttributes;
  const nonResource = spec.nonResourceAttributes;
  if (isPlain(resource) && nonResource === undefined) return { resource: resourceQuestion(resource) };
  if (isPlain(nonResource) && resource === undefined) {
    const field = (key: string) => stringField(nonResource, key, 'spec.nonResourceAttributes');
    return { nonResource: { path: field('path'), verb: field('verb') } };
  }
  throw ssarInvalid(
    'spec.resourceAttributes',
    'exactly one of nonResourceAttributes or resourceAttributes must be specified',
  );
}

const matches = (pattern: string, value: string) => pattern === '*' || pattern === value;

function verbsAsked(served: ServedResource, q: ResourceQuestion): readonly Verb[] {
  const verbs = q.subresource
    ? Object.hasOwn(served.subresources, q.subresource)
      ? served.subresources[q.subresource]
      : undefined
    : served.verbs;
  return (verbs ?? []).filter((verb) => matches(q.verb, verb));
}

/** The requests a question stands for (wildcards expanded over what is served), or why none is served. */
function requestsAsked(q: ResourceQuestion): RequestAttributes[] | string {
  const candidates = servedResources().filter(
    (r) =>
      matches(q.group, r.group) && matches(q.resource, r.resource) && matches(q.version || '*', r.version),
  );
  const requests = candidates.flatMap((r) =>
    verbsAsked(r, q).map((verb) => ({
      verb,
      group: r.group,
      version: r.version,
      resource: r.resource,
      ...(q.subresource ? { subresource: q.subresource } : {}),
      ...(r.namespaced && q.namespace ? { namespace: q.namespace } : {}),
      ...(q.name ? { name: q.name } : {}),
    })),
  );
  if (requests.length) return requests;
  const what = `${q.resource}${q.subresource ? `/${q.subresource}` : ''}`;
  return candidates.length
    ? `the garden does not serve ${q.verb} on ${what} in API group "${q.group}"`
    : `the garden serves no resource "${what}" in API group "${q.group}"`;
}

/** SubjectAccessReviewStatus: allowed, or not and why. */
export interface AccessStatus {
  allowed: boolean;
  reason?: string;
}

async function accessStatus(question: AccessQuestion, decide: Decide): Promise<AccessStatus> {
  if ('nonResource' in question) {
    const { path, verb } = question.nonResource;
    return nonResourceServed(path, verb)
      ? { allowed: true }
      : { allowed: false, reason: `the garden serves ${verb} on no non-resource URL "${path}"` };
  }
  const requests = requestsAsked(question.resource);
  if (typeof requests === 'string') return { allowed: false, reason: requests };
  for (const request of requests) {
    const decision = await decide(request);
    if (!decision.allowed) return { allowed: false, reason: decision.reason };
  }
  return { allowed: true };
}

/** `kubectl auth can-i VERB RESOURCE`: allowed only if every request the question stands for is. */
export async function selfSubjectAccessReview(
  body: unknown,
  decide: Decide,
): Promise<Plain & { status: AccessStatus }> {
  const spec = specOf(reviewBody(body, AUTHORIZATION_GROUP, SSAR), SSAR, AUTHORIZATION_GROUP);
  const status = await accessStatus(accessQuestion(spec), decide);
  return { ...answer(AUTHORIZATION_GROUP, SSAR, { spec }), status };
}

// --- SelfSubjectRulesReview

const SSRR = 'SelfSubjectRulesReview';

export interface RulesContext {
  /** The project that owns the namespace asked about: rules naming it (get/update/delete it, its quota). */
  readonly projectName?: string | undefined;
  /** Set where the rules depend on each object (a gardenlet's): the review is then incomplete, and says why. */
  readonly incomplete?: string | undefined;
}

interface ResourceRule {
  verbs: Verb[];
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
}

/** Kinds whose requests are decided by the project they name. */
function namedByProject(r: ServedResource): boolean {
  return (
    (r.group === CORE_GROUP && r.resource === 'projects') ||
    (r.group === QUOTA_GROUP && r.resource === PROJECT_QUOTAS)
  );
}

async function allowedVerbs(
  verbs: readonly Verb[],
  request: Omit<RequestAttributes, 'verb'>,
  decide: Decide,
): Promise<Verb[]> {
  const allowed: Verb[] = [];
  for (const verb of verbs) if ((await decide({ ...request, verb })).allowed) allowed.push(verb);
  return allowed;
}

async function rulesOf(
  r: ServedResource,
  namespace: string,
  context: RulesContext,
  decide: Decide,
): Promise<ResourceRule[]> {
  const rules: ResourceRule[] = [];
  const parts: Array<[string | undefined, readonly Verb[]]> = [
    [undefined, r.verbs],
    ...Object.entries(r.subresources),
  ];
  for (const [subresource, verbs] of parts) {
    const request = {
      group: r.group,
      version: r.version,
      resource: r.resource,
      ...(subresource ? { subresource } : {}),
      ...(r.namespaced && namespace ? { namespace } : {}),
    };
    const resources = [subresource ? `${r.resource}/${subresource}` : r.resource];
    const allowed = await allowedVerbs(verbs, request, decide);
    if (allowed.length) rules.push({ verbs: allowed, apiGroups: [r.group], resources });
    if (!context.projectName || !namedByProject(r)) continue;
    const named = await allowedVerbs(
      verbs.filter((v) => !allowed.includes(v)),
      { ...request, name: context.projectName },
      decide,
    );
    if (named.length)
      rules.push({ verbs: named, apiGroups: [r.group], resources, resourceNames: [context.projectName] });
  }
  return rules;
}

/** `kubectl auth can-i --list -n NS`: each served resource with the verbs the caller's requests would be allowed. */
export async function selfSubjectRulesReview(
  body: unknown,
  contextFor: (namespace: string) => Promise<RulesContext>,
  decide: Decide,
): Promise<Plain> {
  const spec = specOf(reviewBody(body, AUTHORIZATION_GROUP, SSRR), SSRR, AUTHORIZATION_GROUP);
  const namespace = spec.namespace ?? '';
  if (typeof namespace !== 'string')
    throw invalid(
      SSRR,
      '',
      [{ type: 'FieldValueTypeInvalid', field: 'spec.namespace', message: 'must be a string' }],
      AUTHORIZATION_GROUP,
    );
  const context = await contextFor(namespace);
  const resourceRules: ResourceRule[] = [];
  for (const r of servedResources()) resourceRules.push(...(await rulesOf(r, namespace, context, decide)));
  const status = {
    resourceRules,
    nonResourceRules: [{ verbs: ['get'], nonResourceURLs: [...NON_RESOURCE_URLS] }],
    incomplete: context.incomplete !== undefined,
    ...(context.incomplete ? { evaluationError: context.incomplete } : {}),
  };
  return answer(AUTHORIZATION_GROUP, SSRR, { spec, status });
}
