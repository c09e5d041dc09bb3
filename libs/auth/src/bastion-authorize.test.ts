import { exampleProject, type Project } from '@gardener-ts/api';
import { describe, expect, it } from 'vitest';
import { authorize, BASTIONS } from './authorize.js';
import type { Identity, Verb } from './identity.js';

const user = (name: string): Identity => ({ name, kind: 'User', gardenAdmin: false });

/** project dev with one member per role, and an owner */
function project(): Project {
  const p = exampleProject('dev');
  const member = (name: string, role: string) => ({
    apiGroup: 'rbac.authorization.k8s.io',
    kind: 'User' as const,
    name,
    role,
  });
  p.spec.owner = { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'olga' };
  p.spec.members = [
    member('adam', 'admin'),
    member('vera', 'viewer'),
    member('uma', 'uam'),
    member('sam', 'serviceaccountmanager'),
  ];
  return p;
}

function decide(who: string, verb: Verb, subresource?: string) {
  return authorize(
    user(who),
    {
      verb,
      group: 'operations.gardener.cloud',
      version: 'v1alpha1',
      resource: BASTIONS,
      namespace: 'garden-dev',
      name: 'cli-abc',
      ...(subresource ? { subresource } : {}),
    },
    { project: project() },
  );
}

const WRITES: Verb[] = ['create', 'update', 'patch', 'delete'];
const READS: Verb[] = ['get', 'list', 'watch'];

describe('who may use Bastions', () => {
  it('owners and admins may create, change and delete them', () => {
    for (const who of ['olga', 'adam'])
      for (const verb of [...WRITES, ...READS]) expect(decide(who, verb)).toEqual({ allowed: true });
  });

  it('viewers may read them but neither create, change nor delete one, nor write its status', () => {
    for (const verb of READS) expect(decide('vera', verb)).toEqual({ allowed: true });
    for (const verb of WRITES) {
      const decision = decide('vera', verb);
      expect(decision.allowed).toBe(false);
      expect(decision).toMatchObject({ reason: expect.stringContaining('owner or admin') });
    }
    expect(decide('vera', 'patch', 'status').allowed).toBe(false);
  });

  it('uam, serviceaccountmanager and strangers may not create one', () => {
    for (const who of ['uma', 'sam', 'mallory']) expect(decide(who, 'create').allowed).toBe(false);
    expect(decide('mallory', 'get').allowed).toBe(false);
  });

  it('garden admins may do anything', () => {
    const admin: Identity = { name: 'root', kind: 'User', gardenAdmin: true };
    const decision = authorize(
      admin,
      {
        verb: 'create',
        group: 'operations.gardener.cloud',
        version: 'v1alpha1',
        resource: BASTIONS,
        namespace: 'garden-dev',
      },
      { project: project() },
    );
    expect(decision).toEqual({ allowed: true });
  });
});
