import { ApiError, exampleProject, type Project } from '@gardener-ts/api';
import { describe, expect, it } from 'vitest';
import { authorize } from './authorize.js';
import type { Identity } from './identity.js';
import {
  type Decide,
  selfSubjectAccessReview,
  selfSubjectReview,
  selfSubjectRulesReview,
} from './reviews.js';

const user = (name: string, gardenAdmin = false): Identity => ({ name, kind: 'User', gardenAdmin });

function project(): Project {
  const p = exampleProject('dev');
  p.spec.owner = { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'olga' };
  p.spec.members = [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'vera', role: 'viewer' }];
  return p;
}

/** The decision as the API makes it, with project `dev` owning garden-dev. */
function decider(identity: Identity): Decide {
  return async (a) =>
    authorize(identity, a, {
      project:
        a.namespace === 'garden-dev' || (a.resource === 'projects' && a.name === 'dev')
          ? project()
          : undefined,
    });
}

const ssar = (resourceAttributes: object) => ({
  apiVersion: 'authorization.k8s.io/v1',
  kind: 'SelfSubjectAccessReview',
  spec: { resourceAttributes },
});

async function status(identity: Identity, attributes: object) {
  return (await selfSubjectAccessReview(ssar(attributes), decider(identity))).status;
}

describe('access reviews', () => {
  it('answer as the authorizer decides, with its reason', async () => {
    const vera = user('vera');
    expect(
      await status(vera, {
        verb: 'list',
        resource: 'shoots',
        group: 'core.gardener.cloud',
        namespace: 'garden-dev',
      }),
    ).toEqual({ allowed: true });
    expect(await status(vera, { verb: 'get', resource: 'secrets', namespace: 'garden-dev' })).toEqual({
      allowed: false,
      reason: 'get secrets in project "dev" needs the owner or admin role',
    });
  });

  it('expand wildcards over what is served, and say no to what is not', async () => {
    expect(await status(user('root', true), { verb: '*', resource: '*', group: '*' })).toEqual({
      allowed: true,
    });
    expect(
      (await status(user('olga'), { verb: '*', resource: '*', group: '*', namespace: 'garden-dev' })).allowed,
    ).toBe(false);
    expect(
      await status(user('root', true), { verb: 'get', resource: 'pods', namespace: 'garden-dev' }),
    ).toEqual({
      allowed: false,
      reason: 'the garden serves no resource "pods" in API group ""',
    });
    expect((await status(user('root', true), { verb: 'deletecollection', resource: 'secrets' })).reason).toBe(
      'the garden does not serve deletecollection on secrets in API group ""',
    );
  });

  it('refuse a spec with neither or both attribute kinds (422)', async () => {
    const body = { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: {} };
    await expect(selfSubjectAccessReview(body, decider(user('vera')))).rejects.toBeInstanceOf(ApiError);
  });
});

describe('rules reviews', () => {
  it('list each served resource with the verbs allowed, and the project by name', async () => {
    const body = {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectRulesReview',
      spec: { namespace: 'garden-dev' },
    };
    const review = await selfSubjectRulesReview(
      body,
      async () => ({ projectName: 'dev' }),
      decider(user('vera')),
    );
    const rules = (
      review.status as {
        resourceRules: Array<{ resources: string[]; verbs: string[]; resourceNames?: string[] }>;
      }
    ).resourceRules;
    expect(rules).toContainEqual({
      verbs: ['get', 'list', 'watch'],
      apiGroups: ['core.gardener.cloud'],
      resources: ['shoots'],
    });
    expect(rules).toContainEqual({
      verbs: ['get'],
      apiGroups: ['core.gardener.cloud'],
      resources: ['projects'],
      resourceNames: ['dev'],
    });
    expect(rules.some((r) => r.resources.includes('secrets'))).toBe(false);
  });
});

describe('self subject reviews', () => {
  it('name the user, and a service account by its Kubernetes groups', () => {
    const account: Identity = {
      name: 'system:serviceaccount:garden-dev:ci',
      kind: 'ServiceAccount',
      namespace: 'garden-dev',
      gardenAdmin: false,
    };
    expect(selfSubjectReview({}, account).status).toEqual({
      userInfo: {
        username: 'system:serviceaccount:garden-dev:ci',
        groups: ['system:serviceaccounts', 'system:serviceaccounts:garden-dev', 'system:authenticated'],
      },
    });
  });
});
