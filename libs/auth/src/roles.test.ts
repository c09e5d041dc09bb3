import { exampleProject, type Project } from '@gardener-ts/api';
import { describe, expect, it } from 'vitest';
import { authorize, projectChangeDecision } from './authorize.js';
import type { Identity, Verb } from './identity.js';

const user = (name: string): Identity => ({ name, kind: 'User', gardenAdmin: false });
const subject = (name: string) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'User' as const, name });

function project(): Project {
  const p = exampleProject('dev');
  p.spec.owner = subject('olga');
  p.spec.members = [
    { ...subject('adam'), role: 'admin' },
    { ...subject('uma'), role: 'uam' },
    { ...subject('vera'), role: 'viewer' },
  ];
  return p;
}

function changed(mutate: (p: Project) => void): Project {
  const p = structuredClone(project());
  mutate(p);
  return p;
}

describe('project ownership', () => {
  const makeOwner = [
    changed((p) => {
      p.spec.owner = subject('uma');
    }),
    changed((p) => {
      delete p.spec.owner;
    }),
    changed((p) => {
      p.spec.members?.push({ ...subject('eve'), role: 'owner' });
    }),
    changed((p) => {
      const uma = p.spec.members?.find((m) => m.name === 'uma');
      if (uma) uma.roles = ['owner'];
    }),
  ];

  it('is the owner’s to hand on: neither uam nor admin may change it', () => {
    for (const next of makeOwner) {
      expect(projectChangeDecision(user('uma'), project(), next).allowed).toBe(false);
      expect(projectChangeDecision(user('adam'), project(), next).allowed).toBe(false);
      expect(projectChangeDecision(user('olga'), project(), next).allowed).toBe(true);
    }
  });

  it('leaves the other members to the uam, as in Gardener (including admins)', () => {
    const next = changed((p) => {
      p.spec.members?.push({ ...subject('eve'), role: 'admin' });
    });
    expect(projectChangeDecision(user('uma'), project(), next).allowed).toBe(true);
    expect(projectChangeDecision(user('adam'), project(), next).allowed).toBe(false);
  });
});

describe('what the gardener writes', () => {
  const ask = (who: string, verb: Verb, group: string, resource: string, subresource?: string) =>
    authorize(
      user(who),
      {
        verb,
        group,
        version: 'v1',
        resource,
        namespace: 'garden-dev',
        name: 'x',
        ...(subresource ? { subresource } : {}),
      },
      { project: project() },
    );

  it('refuses status writes and machine writes to every member, reads stay', () => {
    for (const who of ['olga', 'adam'])
      for (const verb of ['create', 'update', 'patch', 'delete'] as const) {
        expect(ask(who, verb, 'core.gardener.cloud', 'shoots', 'status').allowed).toBe(false);
        expect(ask(who, verb, 'machine.sapcloud.io', 'machinedeployments').allowed).toBe(false);
        expect(ask(who, verb, 'machine.sapcloud.io', 'machineclasses').allowed).toBe(false);
      }
    expect(ask('vera', 'get', 'core.gardener.cloud', 'shoots', 'status').allowed).toBe(true);
    expect(ask('vera', 'list', 'machine.sapcloud.io', 'machines').allowed).toBe(true);
  });

  it('gives viewer kubeconfigs to owner, admin and viewer only', () => {
    for (const who of ['olga', 'adam', 'vera'])
      expect(ask(who, 'create', 'core.gardener.cloud', 'shoots', 'viewerkubeconfig').allowed).toBe(true);
    expect(ask('uma', 'create', 'core.gardener.cloud', 'shoots', 'viewerkubeconfig').allowed).toBe(false);
    expect(ask('vera', 'create', 'core.gardener.cloud', 'shoots', 'adminkubeconfig').allowed).toBe(false);
  });
});
